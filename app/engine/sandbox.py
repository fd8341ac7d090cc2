"""The restricted environment for Python that process analysts write inside BPMN and DMN files.

SpiffWorkflow's default engine exec()s diagram code with full builtins, so any diagram could
``import os``. Script tasks, gateway conditions, timer expressions and DMN cells run through here
instead: a static AST check rejects imports, ``_``-names and introspection attributes; scripts
see only ``SAFE_BUILTINS`` plus caller helpers; a per-thread trace hook bounds lines and seconds.

Deliberate limits: the budget is checked between script lines, so one long C-level operation
(``10 ** 10 ** 9``, ``"x" * 10 ** 10``) is neither interrupted nor memory-capped; that needs OS
limits on the worker process. Pure stdlib on purpose: ``scripting.py`` adapts it to the engine.
"""

import ast
import dis
import functools
import importlib
import math
import sys
import time
import types
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

FILENAME = "<script>"  # marks the frames that are diagram code (budget, error line numbers)
MAX_RANGE = 1_000_000
_CLOCK_EVERY = 16  # steps between clock reads: cheap, and C-heavy lines cannot pile up


class ScriptError(Exception):
    """Raised for a rejected or failed script; .line (int|None) is the 1-based line in the source.

    One family, so the engine can tell analysts what failed and where without crashing.
    """

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


class ScriptRejected(ScriptError):
    """The static check refused the source: a syntax error or a forbidden construct."""


class ScriptTimeout(ScriptError):
    """The script used up its step or time budget (an endless loop, say)."""


class _BudgetExceeded(BaseException):
    """Internal: a BaseException, so ``except Exception`` in a script cannot swallow it."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


def _limited_range(*args: int) -> range:
    """range() that refuses huge sequences: looping inside C calls is invisible to the budget."""
    result = range(*args)
    try:
        too_big = len(result) > MAX_RANGE
    except OverflowError:
        too_big = True
    if too_big:
        raise ValueError(f"range() with more than {MAX_RANGE:,} items is not allowed")
    return result


def _internal_import(name: str, *args: object, **kwargs: object) -> types.ModuleType:
    """For C code only (datetime's strftime/strptime/today); scripts cannot name it."""
    if name not in ("time", "_strptime"):
        raise ImportError(f"import of {name!r} is not allowed")
    return importlib.import_module(name)


SAFE_BUILTINS: dict[str, object] = {
    **{f.__name__: f for f in (
        abs, all, any, bool, dict, divmod, enumerate, filter, float, int, len, list, map, max,
        min, reversed, round, set, sorted, str, sum, tuple, zip,
        Exception, ValueError, KeyError, TypeError, ZeroDivisionError,
        Decimal, date, datetime, timedelta, timezone,
    )},
    "range": _limited_range,
}

# Calling these is rejected statically with a clear message instead of a run-time NameError.
FORBIDDEN_CALLS = frozenset({
    "open", "eval", "exec", "compile", "getattr", "setattr", "delattr", "globals", "locals",
    "vars", "dir", "type", "__import__", "breakpoint", "input", "print", "help", "object",
    "super", "memoryview", "exit", "quit",
})

_FORBIDDEN_NODES: dict[type, str] = {
    ast.Import: "import", ast.ImportFrom: "import", ast.Global: "global",
    ast.Nonlocal: "nonlocal", ast.ClassDef: "class", ast.AsyncFunctionDef: "async def",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield from",
    ast.AsyncFor: "async for", ast.AsyncWith: "async with", ast.With: "with",
    ast.TryStar: "try/except*",
}
# Identifier fields per node type, with the word used for them in messages.
_IDENTIFIERS: dict[type, tuple[tuple[str, str], ...]] = {
    ast.Name: (("name", "id"),), ast.keyword: (("keyword argument", "arg"),),
    ast.arg: (("argument", "arg"),), ast.FunctionDef: (("function name", "name"),),
    ast.alias: (("name", "name"), ("name", "asname")), ast.ExceptHandler: (("name", "name"),),
    ast.MatchAs: (("name", "name"),), ast.MatchStar: (("name", "name"),),
    ast.MatchMapping: (("name", "rest"),),
}
_DENIED_ATTRS = frozenset({"format", "format_map", "mro"})
_DENIED_PREFIXES = ("gi_", "cr_", "ag_", "f_", "tb_", "co_", "func_")  # frame/code internals
_RESERVED = "names starting with '_' are reserved"


def _attribute_problem(attr: str) -> str | None:
    if attr.startswith("_"):
        return f"attribute '{attr}' is not allowed: {_RESERVED}"
    if attr in _DENIED_ATTRS or attr.startswith(_DENIED_PREFIXES):
        return f"attribute '{attr}' is not allowed"
    return None


def _problem(node: ast.AST) -> str | None:
    """Why this one node is forbidden, or None."""
    if type(node) in _FORBIDDEN_NODES:
        return f"{_FORBIDDEN_NODES[type(node)]} is not allowed"
    # The budget exception must unwind without running script code: once a trace function
    # raises, CPython turns tracing off, so a loop in `finally`/`except:` would run unbounded.
    if isinstance(node, ast.Try) and node.finalbody:
        return "try/finally is not allowed"
    if isinstance(node, ast.ExceptHandler) and node.type is None:
        return "bare 'except:' is not allowed: name the exception type"
    if isinstance(node, ast.Attribute):
        return _attribute_problem(node.attr)
    if isinstance(node, ast.MatchClass):  # `case str(__class__=c)` is an attribute lookup
        return next(filter(None, map(_attribute_problem, node.kwd_attrs)), None)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name = node.func.id
        if name in FORBIDDEN_CALLS and not name.startswith("_"):  # '_' gets the name message
            return f"function '{name}' is not available"
    for label, field in _IDENTIFIERS.get(type(node), ()):
        ident = getattr(node, field, None)
        if ident and ident.startswith("_"):
            return f"{label} '{ident}' is not allowed: {_RESERVED}"
    return None


@functools.lru_cache(maxsize=2048)
def check(source: str, mode: str) -> types.CodeType:
    """Parse (mode 'eval' or 'exec'), walk the AST, reject forbidden constructs, compile.

    Cached by (source, mode) because the same conditions run for every process instance. Of
    several problems the first in reading order is reported (``__class__``, not
    ``__subclasses__``, in a chain), so the message points at what the analyst wrote first.
    """
    if mode not in ("eval", "exec"):
        raise ValueError(f"mode must be 'eval' or 'exec', not {mode!r}")
    try:
        tree = ast.parse(source, FILENAME, mode)
        found = [(node.lineno, node.end_col_offset or 0, msg)
                 for node in ast.walk(tree) if (msg := _problem(node))]
        if found:
            line, _, message = min(found, key=lambda item: item[:2])
            raise ScriptRejected(message, line)
        tree = ast.fix_missing_locations(_SizeGuard().visit(tree))
        return compile(tree, FILENAME, mode, dont_inherit=True)
    except SyntaxError as exc:
        raise ScriptRejected(f"syntax error: {exc.msg}", exc.lineno) from None
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        raise ScriptRejected(f"script cannot be compiled: {exc.__class__.__name__}") from None


MAX_RESULT_DIGITS = 10_000  # ** and << beyond this would run for seconds inside C code
MAX_RESULT_ITEMS = 1_000_000  # "x" * n and [..] * n: memory, also inside C code


def _guarded_pow(base, exponent, *modulo):
    if modulo:
        return pow(base, exponent, *modulo)
    whole = isinstance(base, int) and isinstance(exponent, int)
    if whole and exponent > 0 and abs(base) > 1 and \
            exponent * math.log10(abs(base)) > MAX_RESULT_DIGITS:
        raise ScriptError(f"{base} ** {exponent} is too large (over {MAX_RESULT_DIGITS} digits)")
    return base ** exponent


def _guarded_mul(left, right):
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, str | bytes | list | tuple) and isinstance(times, int) and \
                len(sequence) * times > MAX_RESULT_ITEMS:
            raise ScriptError(f"repeating a sequence {times} times is too large (over "
                              f"{MAX_RESULT_ITEMS} items)")
    return left * right


def _guarded_lshift(left, right):
    if isinstance(left, int) and isinstance(right, int) and right > MAX_RESULT_DIGITS * 3.33:
        raise ScriptError(f"{left} << {right} is too large")
    return left << right


_GUARDS = {ast.Pow: "__crm_pow", ast.Mult: "__crm_mul", ast.LShift: "__crm_lshift"}
_GUARD_FUNCTIONS = {"__crm_pow": _guarded_pow, "__crm_mul": _guarded_mul,
                    "__crm_lshift": _guarded_lshift}


class _SizeGuard(ast.NodeTransformer):
    """Route **, * and << through size checks: one such C-level operation (10 ** 10 ** 8)
    runs for minutes between two trace events, where the step budget cannot stop it.

    The guard names start with '_', which diagram code may not use, so only we can call them.
    """

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        guard = _GUARDS.get(type(node.op))
        if guard is None:
            return node
        return ast.copy_location(ast.Call(ast.Name(guard, ast.Load()), [node.left, node.right],
                                          []), node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        guard = _GUARDS.get(type(node.op))
        if guard is None or not isinstance(node.target, ast.Name):
            return node
        value = ast.Call(ast.Name(guard, ast.Load()),
                         [ast.Name(node.target.id, ast.Load()), node.value], [])
        return ast.copy_location(ast.Assign([ast.Name(node.target.id, ast.Store())], value),
                                 node)


def _script_line(tb: types.TracebackType | None) -> int | None:
    """Line of the innermost traceback entry that is diagram code."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


@functools.lru_cache(maxsize=2048)
def _spins_silently(code: types.CodeType) -> bool:
    """True if the code jumps onto itself (``while True: pass``): CPython 3.11 reports no
    'line' event for that jump, so such frames are traced per opcode instead."""
    return any(ins.opname.startswith("JUMP_BACKWARD") and ins.argval == ins.offset
               for ins in dis.get_instructions(code))


def _run(code: types.CodeType, scope: dict, max_steps: int, max_seconds: float) -> object:
    """Run diagram code under this thread's trace hook; turn every failure into a ScriptError.

    A step is a 'line' event ('opcode' if it spins silently) in a ``<script>`` frame only.
    """
    deadline = time.monotonic() + max_seconds
    steps = 0

    def on_step(frame: types.FrameType, event: str, arg: object):
        nonlocal steps
        if event == "line" or event == "opcode":
            steps += 1
            if steps > max_steps:
                raise _BudgetExceeded(f"script exceeded {max_steps} steps", frame.f_lineno)
            if steps % _CLOCK_EVERY == 0 and time.monotonic() > deadline:
                raise _BudgetExceeded(f"script exceeded {max_seconds} seconds", frame.f_lineno)
        return on_step

    def on_call(frame: types.FrameType, event: str, arg: object):
        if frame.f_code.co_filename != FILENAME:
            return None
        if _spins_silently(frame.f_code):
            frame.f_trace_opcodes = True
        return on_step

    previous = sys.gettrace()
    try:
        sys.settrace(on_call)
        try:
            return eval(code, scope)  # passed check(); its builtins are SAFE_BUILTINS
        finally:
            sys.settrace(previous)
    except _BudgetExceeded as exc:
        raise ScriptTimeout(str(exc), exc.line) from None
    except ScriptError:
        raise  # from a helper that ran a script itself: already clear
    except Exception as exc:
        text = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
        raise ScriptError(text, _script_line(exc.__traceback__)) from exc


def _scope(names: dict, extra: dict | None) -> dict:
    """Globals for one run: a copy of the data, with SAFE_BUILTINS and `extra` as builtins,
    so a data key of the same name (``type`` is a plausible task field) shadows them."""
    scope = dict(names)
    scope["__builtins__"] = {**SAFE_BUILTINS, **(extra or {}), **_GUARD_FUNCTIONS,
                             "__import__": _internal_import}
    return scope


def evaluate(expression: str, names: dict, *, extra: dict | None = None,
             max_steps: int = 100_000, max_seconds: float = 2.0) -> object:
    """Evaluate an expression with `names` (task data) and `extra` (additional helper callables
    supplied by the caller, e.g. a clock-bound now()) visible. Does not mutate `names`.

    The dict is copied, so ``:=`` cannot leak into task data; the values are shared, not deep
    copied, because conditions run constantly and task data can be large.
    """
    return _run(check(expression, "eval"), _scope(names, extra), max_steps, max_seconds)


def execute(script: str, names: dict, *, extra: dict | None = None,
            max_steps: int = 100_000, max_seconds: float = 2.0) -> None:
    """Run a script; afterwards `names` holds the script's resulting variables.

    New and changed variables are written back and ``del``-eted ones removed; never written back
    are the builtins, the `extra` helpers, and callables, modules or iterators the script bound
    (task data must stay plain data, and a lazy value would run script code outside the budget).
    On failure `names` is left as it was, apart from in-place changes to values it holds.
    """
    scope = _scope(names, extra)
    _run(check(script, "exec"), scope, max_steps, max_seconds)
    result = {
        key: value for key, value in scope.items()
        if key != "__builtins__" and (not _is_code(value) or (key in names and names[key] is value))
    }
    if "__builtins__" in names:  # unreachable for scripts; keep the caller's data anyway
        result["__builtins__"] = names["__builtins__"]
    names.clear()
    names.update(result)


def _is_code(value: object) -> bool:
    return isinstance(value, types.ModuleType | Iterator) or callable(value)
