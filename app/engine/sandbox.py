"""The restricted environment for Python written by process analysts inside BPMN and DMN files.

SpiffWorkflow's default engine exec()s diagram code with full builtins, so any diagram could
``import os``. Everything a diagram says (script tasks, gateway conditions, timer expressions,
DMN cells) runs through here instead: a static AST check rejects imports, ``_``-names and
introspection attributes; scripts see only ``SAFE_BUILTINS`` plus caller helpers; a per-thread
trace hook bounds the number of executed lines and the wall-clock time.

Deliberate limits: the budget is checked between script lines, so one long C-level operation
(``10 ** 10 ** 9``, ``"x" * 10 ** 10``) is neither interrupted nor memory-capped; that needs OS
limits on the worker process. Pure stdlib on purpose: ``scripting.py`` adapts it to the engine.
"""

import ast
import dis
import functools
import sys
import time
import types
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

FILENAME = "<script>"  # marks frames that belong to diagram code (budget and error lines)
MAX_RANGE = 1_000_000
_CLOCK_EVERY = 100  # read the clock every N lines: cheap, yet C-heavy lines cannot pile up


class ScriptError(Exception):
    """Raised for a rejected or failed script; .line (int|None) is the 1-based line in the source.

    One exception family lets the engine show analysts what went wrong and where, without
    letting a broken diagram take down the request.
    """

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


class ScriptRejected(ScriptError):
    """The static check refused the source (syntax error or a forbidden construct)."""


class ScriptTimeout(ScriptError):
    """The script used up its step or time budget (e.g. an endless loop)."""


class _BudgetExceeded(BaseException):
    """Internal: a BaseException so that ``except Exception`` in a script cannot swallow it."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


def _limited_range(*args: int) -> range:
    """range() that refuses huge sequences: iteration inside C calls is invisible to the budget."""
    result = range(*args)
    try:
        too_big = len(result) > MAX_RANGE
    except OverflowError:
        too_big = True
    if too_big:
        raise ValueError(f"range() with more than {MAX_RANGE:,} items is not allowed")
    return result


SAFE_BUILTINS: dict[str, object] = {
    **{f.__name__: f for f in (
        abs, all, any, bool, dict, divmod, enumerate, filter, float, int, len, list, map, max,
        min, reversed, round, set, sorted, str, sum, tuple, zip,
        Exception, ValueError, KeyError, TypeError, ZeroDivisionError,
    )},
    "range": _limited_range,
    "Decimal": Decimal,
    "date": date,
    "datetime": datetime,
    "timedelta": timedelta,
    "timezone": timezone,
}

# Calls to these are rejected statically, with a clear message, rather than failing at run time.
FORBIDDEN_CALLS = frozenset({
    "open", "eval", "exec", "compile", "getattr", "setattr", "delattr", "globals", "locals",
    "vars", "dir", "type", "__import__", "breakpoint", "input", "print", "help", "object",
    "super", "memoryview", "exit", "quit",
})

_FORBIDDEN_NODES: dict[type, str] = {
    ast.Import: "import is not allowed",
    ast.ImportFrom: "import is not allowed",
    ast.Global: "global is not allowed",
    ast.Nonlocal: "nonlocal is not allowed",
    ast.ClassDef: "class definitions are not allowed",
    ast.AsyncFunctionDef: "async def is not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield from is not allowed",
    ast.AsyncFor: "async for is not allowed",
    ast.AsyncWith: "async with is not allowed",
    ast.With: "with is not allowed",
    ast.TryStar: "try/except* is not allowed",
}

# Identifier-bearing fields per node type: (label used in the message, field name).
_IDENTIFIERS: dict[type, tuple[tuple[str, str], ...]] = {
    ast.Name: (("name", "id"),),
    ast.keyword: (("keyword argument", "arg"),),
    ast.arg: (("argument", "arg"),),
    ast.FunctionDef: (("function name", "name"),),
    ast.alias: (("name", "name"), ("name", "asname")),
    ast.ExceptHandler: (("name", "name"),),
    ast.MatchAs: (("name", "name"),),
    ast.MatchStar: (("name", "name"),),
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
    """Why this single node is forbidden, or None."""
    if type(node) in _FORBIDDEN_NODES:
        return _FORBIDDEN_NODES[type(node)]
    # The budget exception must unwind without running script code: once a trace function
    # raises, CPython switches tracing off, so a finally/bare-except loop would run unbounded.
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

    Cached by (source, mode) because the same conditions and scripts run for every instance.
    Of several problems the first in reading order is reported (e.g. ``__class__`` rather than
    ``__subclasses__`` in a chain), so the message points at what the analyst wrote first.
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
        return compile(tree, FILENAME, mode, dont_inherit=True)
    except SyntaxError as exc:
        raise ScriptRejected(f"syntax error: {exc.msg}", exc.lineno) from None
    except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
        raise ScriptRejected(f"script cannot be compiled: {exc.__class__.__name__}") from None


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
    """True if the code has a jump onto itself (``while True: pass``).

    CPython 3.11 emits no 'line' event for such a jump, so these frames need opcode events.
    """
    return any(ins.opname.startswith("JUMP_BACKWARD") and ins.argval == ins.offset
               for ins in dis.get_instructions(code))


def _run(code: types.CodeType, scope: dict, max_steps: int, max_seconds: float) -> object:
    """Run diagram code under this thread's trace hook; map every failure to a ScriptError.

    A step is a 'line' event in a ``<script>`` frame (an 'opcode' event in frames that
    _spins_silently). Other frames (helpers, our range) are not counted.
    """
    deadline = time.monotonic() + max_seconds
    steps = 0

    def on_line(frame: types.FrameType, event: str, arg: object):
        nonlocal steps
        if event == "line" or event == "opcode":
            steps += 1
            if steps > max_steps:
                raise _BudgetExceeded(f"script exceeded {max_steps} steps", frame.f_lineno)
            if steps % _CLOCK_EVERY == 0 and time.monotonic() > deadline:
                raise _BudgetExceeded(f"script exceeded {max_seconds} seconds", frame.f_lineno)
        return on_line

    def on_call(frame: types.FrameType, event: str, arg: object):
        if frame.f_code.co_filename != FILENAME:
            return None
        if _spins_silently(frame.f_code):
            frame.f_trace_opcodes = True
        return on_line

    previous = sys.gettrace()
    try:
        sys.settrace(on_call)
        try:
            return eval(code, scope)  # code passed check(); its builtins are SAFE_BUILTINS
        finally:
            sys.settrace(previous)
    except _BudgetExceeded as exc:
        raise ScriptTimeout(str(exc), exc.line) from None
    except ScriptError:
        raise  # from a helper that itself ran a script: already has a clear message
    except Exception as exc:
        text = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
        raise ScriptError(text, _script_line(exc.__traceback__)) from exc


def _scope(names: dict, extra: dict | None) -> dict:
    """Globals for one run: a copy of the data; SAFE_BUILTINS and helpers act as the builtins.

    Because they are builtins, a data key with the same name shadows them (``type`` or ``max``
    are plausible task fields), exactly as a Python global shadows a builtin.
    """
    scope = dict(names)
    scope["__builtins__"] = {**SAFE_BUILTINS, **(extra or {})}
    return scope


def evaluate(expression: str, names: dict, *, extra: dict | None = None,
             max_steps: int = 100_000, max_seconds: float = 2.0) -> object:
    """Evaluate an expression with `names` (task data) and `extra` (additional helper callables
    supplied by the caller, e.g. a clock-bound now()) visible. Does not mutate `names`.

    The dict is copied (so ``:=`` cannot leak into task data); values are shared, not copied,
    because conditions run constantly and deep copies of task data would be costly.
    """
    return _run(check(expression, "eval"), _scope(names, extra), max_steps, max_seconds)


def execute(script: str, names: dict, *, extra: dict | None = None,
            max_steps: int = 100_000, max_seconds: float = 2.0) -> None:
    """Run a script; afterwards `names` holds the script's resulting variables.

    New and changed variables are written back and ``del``-eted ones removed, but never the
    builtins, the `extra` helpers, or callables/modules/classes the script bound (def-functions
    and lambdas are dropped: task data must stay plain, serializable data). On failure `names`
    is left as it was (apart from in-place changes to mutable values it holds).
    """
    scope = _scope(names, extra)
    _run(check(script, "exec"), scope, max_steps, max_seconds)
    result = {
        key: value for key, value in scope.items()
        if key != "__builtins__"
        and (not _is_code(value) or (key in names and names[key] is value))
    }
    if "__builtins__" in names:  # unreachable for scripts; keep caller data intact anyway
        result["__builtins__"] = names["__builtins__"]
    names.clear()
    names.update(result)


def _is_code(value: object) -> bool:
    return isinstance(value, types.ModuleType) or callable(value)
