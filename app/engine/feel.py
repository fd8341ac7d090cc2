"""Translate FEEL decision-table cells into the Python dialect SpiffWorkflow's DMNEngine runs.

SpiffWorkflow 3.2 evaluates DMN cells as Python, not FEEL: an input cell is compared with
``(input) == (cell)`` when it parses alone, appended as ``input + cell`` when only ``v cell``
parses, or evaluated with ``?`` replaced by the input. FEEL written in Camunda Modeler
(``5,6``, ``not(5)``, ``[1..10]``, ``true``) then silently never matches or fails at run time,
so every cell is translated, or rejected with a readable reason, at deployment. Two engine
quirks shape the output: it appends without a space (``region`` + ``in (..)`` is the name
``regionin``), so membership tests use the ``?`` form; and it finds ``?`` with a regex that
counts ``'`` and ``"`` alike, so quotes inside strings are written as ``\\u0027``/``\\u0022``.
Pure stdlib on purpose: it runs at deployment, before any engine object exists.
"""

import ast
import json
import keyword
import re
from typing import NamedTuple


class CellError(ValueError):
    """A cell that cannot be translated or would never match; str() is the human message."""


_NUMERIC = {"number", "integer", "long", "double"}
KNOWN_TYPES = frozenset({"string", "boolean", "date", *_NUMERIC})
# literal kind each type accepts (dates are ISO strings in task data); null fits every type
_ACCEPTS = {"string": "str", "date": "str", "boolean": "bool", **dict.fromkeys(_NUMERIC, "num")}
_KIND_WORD = {"str": "string", "num": "number", "bool": "boolean"}
_CONSTS = {"true": "True", "false": "False", "null": "None",
           "True": "True", "False": "False", "None": "None"}
_HINT = ('Supported forms: "text", 5, -5.5, true/false/null, comparisons (< 5, >= 50000, = 5), '
         'lists ("a","b" or 5,6), not(...), ranges ([1..10], ]1..10], [1..10[), names of task '
         'data, or a Python test using ? such as 1 <= ? <= 10.')
_OUT_HINT = 'Write a literal such as "text", 5, true, null, ["a", "b"] or a Python expression.'
# FEEL built-ins that Python lacks or means differently; FEEL names may contain spaces
_FEEL_FUNCS = frozenset("""date;time;date and time;duration;years and months duration;number;
string;substring;substring before;substring after;string length;upper case;lower case;replace;
contains;starts with;ends with;matches;split;string join;list contains;count;mean;median;
stddev;mode;sublist;append;concatenate;insert before;remove;reverse;index of;union;
distinct values;flatten;product;sort;decimal;floor;ceiling;round up;round down;round half up;
round half even;modulo;sqrt;log;exp;odd;even;is defined;get value;get entries;context;
context put;context merge;now;today;day of week;day of year;week of year;month of year;is
""".replace("\n", "").split(";"))
_FEEL_WORDS = {"between": '"between ... and ..." (write [a..b])', "then": '"if ... then ... else"',
               "satisfies": '"some/every ... satisfies"', "return": '"for ... return"'}
_TOKEN_RE = re.compile(r"""(?P<ws>\s+) | (?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<op>\.\.|<=|>=|==|!=|\*\*|//|\.(?!\d)|[-+*/%<>=!()\[\]{},?@:])
  | (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+) | (?P<name>[^\W\d]\w*)""", re.VERBOSE)
# DMNEngine.evaluate's own test for "a ? outside quotes", mirrored to validate our output
_PLACEHOLDER_RE = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


class _Tok(NamedTuple):
    kind: str  # str | num | name | op
    text: str
    start: int
    end: int


class _Node(NamedTuple):
    kind: str  # lit | name | expr | q | cmp | range | in | not
    text: str = ""  # rendered value (lit/name/expr/q) or operator(s) (cmp/range/in)
    args: tuple = ()  # child nodes
    value: object = None  # Python value of a literal
    lkind: str = ""  # str | num | bool | null, for literals
    enclosed: bool = False  # an expr already inside one pair of parentheses


def _tokenize(text: str) -> list[_Tok]:
    tokens, pos = [], 0
    while pos < len(text):
        if not (m := _TOKEN_RE.match(text, pos)):
            raise CellError(f"{text!r}: unexpected {text[pos]!r} at position {pos + 1} "
                            f"(unterminated string?). {_HINT}")
        if m.lastgroup != "ws":
            tokens.append(_Tok(m.lastgroup, m.group(), m.start(), m.end()))
        pos = m.end()
    return tokens


def _quote(value: str) -> str:
    """Double-quoted literal with no quote character inside (see the module docstring)."""
    body = json.dumps(value, ensure_ascii=False)[1:-1]
    return '"' + body.replace('\\"', "\\u0022").replace("'", "\\u0027") + '"'


def _reject_unsupported(text: str, toks: list[_Tok], hint: str) -> None:
    """FEEL-only constructs would be NameErrors or mean something else in Python: name them."""
    for i, tok in enumerate(toks):
        prev, nxt = toks[i - 1].text if i else "", toks[i + 1].text if i + 1 < len(toks) else ""
        prev_kind = toks[i - 1].kind if i else ""
        what = None
        if tok.kind == "name" and prev != ".":
            what = '"instance of"' if (tok.text, nxt) == ("instance", "of") else None
            what = what or _FEEL_WORDS.get(tok.text)
        elif tok.text == "(" and prev and toks[i - 1].kind == "name" and (
                i < 2 or toks[i - 2].text != "."):
            j = i - 1  # longest name first: "date and time" before "time"
            while j > 0 and i - j < 4 and toks[j - 1].kind == "name":
                j -= 1
            names = [" ".join(t.text for t in toks[k:i]) for k in range(j, i)]
            what = next((f"the FEEL function {n}(...)" for n in names if n in _FEEL_FUNCS), None)
        elif tok.kind == prev_kind == "str":
            what = "two strings in a row (Python would join them; is a comma missing?)"
        if what:
            raise CellError(f"{text!r}: {what} is not supported. {hint}")


def _rewrite(text: str, toks: list[_Tok], in_input: bool) -> str:
    """Source of toks with FEEL spellings replaced; spacing kept, but not line breaks (eval
    of a multi-line cell fails outside brackets)."""
    parts, pos = [], toks[0].start
    for k, tok in enumerate(toks):
        rep = tok.text
        if tok.kind == "name" and tok.text in _CONSTS and (k == 0 or toks[k - 1].text != "."):
            rep = _CONSTS[tok.text]
        elif in_input and tok.text == "=":
            rep = "=="
        elif in_input and tok.kind == "str":
            rep = _quote(ast.literal_eval(tok.text))
        gap = text[pos:tok.start]
        parts += [" " if "\n" in gap or "\r" in gap else gap, rep]
        pos = tok.end
    return "".join(parts)


class _Parser:
    """Recursive descent over the FEEL unary-test subset plus our Python dialect.

    Each specific form is tried with backtracking; whatever is left is a Python expression
    ("generic"), kept as written apart from FEEL spellings.
    """

    def __init__(self, text: str, toks: list[_Tok]):
        self.text, self.toks, self.i = text, toks, 0

    def peek(self, k: int = 0) -> _Tok | None:
        return self.toks[self.i + k] if self.i + k < len(self.toks) else None

    def at(self, *texts: str) -> bool:  # string tokens keep their quotes, so never match
        return (tok := self.peek()) is not None and tok.text in texts

    def take(self, *texts: str) -> str | None:
        if self.at(*texts):
            self.i += 1
            return self.toks[self.i - 1].text
        return None

    def ended(self, closer: str | None) -> bool:
        return self.peek() is None or self.at(",") or (closer is not None and self.at(closer))

    def items(self, closer: str | None) -> list[_Node]:
        out = [self.test(closer)]
        while self.take(","):
            out.append(self.test(closer))
        return out

    def test(self, closer: str | None) -> _Node:
        start = self.i
        for form in (self.negation, self.membership, self.comparison, self.interval,
                     self.chain, self.endpoint):
            if (node := form()) is not None and self.ended(closer):
                return node
            self.i = start
        return self.generic(closer)

    def endpoint(self) -> _Node | None:
        tok, sign = self.peek(), ""
        if tok is not None and tok.text == "-" and (nxt := self.peek(1)) and nxt.kind == "num":
            self.i, tok, sign = self.i + 1, nxt, "-"
        if tok is None:
            return None
        self.i += 1
        if tok.kind == "num":
            digits = str(int(tok.text)) if tok.text.isdigit() else tok.text  # FEEL allows 05
            value = int(digits) if digits.isdigit() else float(digits)
            return _Node("lit", sign + digits, value=-value if sign else value, lkind="num")
        if tok.kind == "str":
            value = ast.literal_eval(tok.text)
            return _Node("lit", _quote(value), value=value, lkind="str")
        if tok.kind == "name" and tok.text in _CONSTS:
            py = _CONSTS[tok.text]
            kind = "null" if py == "None" else "bool"
            return _Node("lit", py, value=ast.literal_eval(py), lkind=kind)
        if tok.kind == "name" and not keyword.iskeyword(tok.text):
            names = [tok.text]
            while self.at(".") and (nxt := self.peek(1)) and nxt.kind == "name":
                names.append(nxt.text)
                self.i += 2
            return _Node("name", ".".join(names))
        return None

    def negation(self) -> _Node | None:
        if self.take("not") and self.take("("):
            inner = self.items(")")
            if self.take(")"):
                return _Node("not", args=tuple(inner))
        return None

    def membership(self) -> _Node | None:
        op = "not in" if self.take("not") else "in"
        if not self.take("in"):
            return None
        start, values = self.i, []
        close = {"(": ")", "[": "]"}.get(self.take("(", "[") or "")
        while close and not self.at(close):
            if (value := self.endpoint()) is None or not (self.take(",") or self.at(close)):
                break
            values.append(value)
        if close and self.take(close) and self.ended(")"):
            if not values:
                raise CellError(f"{self.text!r} would never match: the list is empty")
            return _Node("in", op, tuple(values))
        self.i = start  # in allowed_regions, in (1, limit + 1): a plain Python membership test
        return _Node("q", f"? {op} {self.generic(')').text}")

    def comparison(self) -> _Node | None:
        if (op := self.take("<", "<=", ">", ">=", "=", "==", "!=")) is None:
            return None
        start = self.i
        if (value := self.endpoint()) is None or not self.ended(")"):
            self.i = start
            value = self.generic(")")
        return _Node("cmp", "==" if op == "=" else op, (value,))

    def interval(self) -> _Node | None:
        low_op = {"[": "<=", "]": "<", "(": "<"}.get(self.take("[", "]", "(") or "")
        low = self.endpoint() if low_op else None
        high = self.endpoint() if low is not None and self.take("..") else None
        high_op = {"]": "<=", "[": "<", ")": "<"}.get(self.take("]", "[", ")") or "")
        return _Node("range", f"{low_op} {high_op}", (low, high)) if high and high_op else None

    def chain(self) -> _Node | None:  # our dialect's 1 <= ? < 10, so that it is type-checked
        low = self.endpoint()
        low_op = self.take("<", "<=") if low is not None else None
        if low_op and self.take("?") and (high_op := self.take("<", "<=")):
            high = self.endpoint()
            return _Node("range", f"{low_op} {high_op}", (low, high)) if high else None
        return None

    def generic(self, closer: str | None) -> _Node:
        start, depth, closed_at = self.i, 0, []
        while (tok := self.peek()) is not None and not (depth == 0 and self.ended(closer)):
            if tok.text in ("(", "[", "{"):
                depth += 1
            elif tok.text in (")", "]", "}"):
                if depth == 0:
                    break
                depth -= 1
                closed_at += [self.i] if depth == 0 else []
            self.i += 1
        if not (toks := self.toks[start:self.i]):
            raise CellError(f"{self.text!r}: an entry is empty or incomplete. {_HINT}")
        if any(t.text == ".." for t in toks):
            raise CellError(f"{self.text!r}: a range needs plain values as endpoints and "
                            f"[ ] ( ) brackets, like [1..10] or ]0..limit]. {_HINT}")
        kind = "q" if any(t.text == "?" for t in toks) else "expr"
        enclosed = toks[0].text == "(" and closed_at == [self.i - 1]
        return _Node(kind, _rewrite(self.text, toks, in_input=True), enclosed=enclosed)


def _val(node: _Node) -> str:
    return f"({node.text})" if node.kind == "expr" and not node.enclosed else node.text


def _tuple(nodes: tuple) -> str:
    return "(" + ", ".join(_val(n) for n in nodes) + ("," if len(nodes) == 1 else "") + ")"


def _cond(node: _Node) -> str:
    """The node as a boolean Python expression about ?."""
    if node.kind in ("lit", "name", "expr"):
        return f"? == {_val(node)}"
    if node.kind == "cmp":
        return f"? {node.text} {_val(node.args[0])}"
    if node.kind == "range":
        low_op, high_op = node.text.split()
        return f"{_val(node.args[0])} {low_op} ? {high_op} {_val(node.args[1])}"
    if node.kind == "in":
        return f"? {node.text} {_tuple(node.args)}"
    if node.kind == "not":
        return f"not ({_any(node.args)})"
    return node.text


def _any(nodes) -> str:
    return _cond(nodes[0]) if len(nodes) == 1 else " or ".join(f"({_cond(n)})" for n in nodes)


def _render(items: list[_Node]) -> str:
    """Prefer the short forms analysts recognise; everything else uses the ? form."""
    node, plain = items[0], all(n.kind in ("lit", "name") for n in items)
    if len(items) > 1:
        return f"? in {_tuple(items)}" if plain else _any(items)
    if node.kind in ("lit", "name", "expr"):
        return node.text
    if node.kind == "cmp":
        return f"{node.text} {_val(node.args[0])}"
    if node.kind == "not" and all(n.kind in ("lit", "name") for n in node.args):
        inner = node.args
        return f"!= {inner[0].text}" if len(inner) == 1 else f"? not in {_tuple(inner)}"
    return _cond(node)


def _walk(nodes):
    for node in nodes:
        yield node
        if node.kind in ("cmp", "range", "in", "not"):
            yield from _walk(node.args)


def _article(type_ref: str) -> str:
    return ("an " if type_ref[0] in "aeiou" else "a ") + type_ref


def _check_input(text: str, items: list[_Node], type_ref: str) -> None:
    """Reject cells that could never match: empty ranges, and literals of the wrong type."""
    for node in _walk(items):
        if node.kind == "range":
            low, high = node.args
            if low.kind == high.kind == "lit" and low.lkind == high.lkind in ("num", "str") and (
                    low.value > high.value or (low.value == high.value and node.text != "<= <=")):
                raise CellError(f"{text!r} would never match: the range is empty")
        if type_ref not in KNOWN_TYPES:
            continue
        if node.kind == "lit" and node.lkind not in (_ACCEPTS[type_ref], "null"):
            raise CellError(f"{text!r} would never match: the input is {_article(type_ref)} but "
                            f"the cell compares it with the {_KIND_WORD[node.lkind]} {node.text}")
        if node.kind == "name" and type_ref == "string" and "." not in node.text:
            raise CellError(f'{text!r}: {node.text} is read as a task-data name, but the input is '
                            f'a string: did you mean "{node.text}"? (To compare with a variable, '
                            f"write ? == {node.text}.)")


def _check_engine(result: str, text: str) -> None:
    """Mirror DMNEngine.evaluate's three forms: the result must parse in the form it gets."""
    replaced = _PLACEHOLDER_RE.sub("v", result)
    try:
        if replaced != result:
            ast.parse(replaced, mode="eval")
            return
        try:
            ast.parse(result)  # the engine's own test for "needs =="
        except SyntaxError:
            body = ast.parse("v" + result, mode="eval").body  # appended without a space
            if not (isinstance(body, ast.Compare) and getattr(body.left, "id", "") == "v"):
                raise SyntaxError("not a comparison with the input") from None
            return
        if isinstance(ast.parse(f"(v) == ({result})", mode="eval").body.comparators[0],
                      ast.Tuple):
            raise CellError(f"{text!r} would never match: a tuple never equals one input value;"
                            f" for a list write 1, 2 or in (1, 2)")
    except SyntaxError as exc:
        raise CellError(f"{text!r} is not a valid decision-table test ({exc.msg}). "
                        f"{_HINT}") from None


def translate_input_entry(text: str | None, type_ref: str | None = None) -> str | None:
    """FEEL unary test (or our Python dialect) -> the Python text SpiffWorkflow's DMNEngine
    evaluates correctly; None means 'any input'.

    Raises CellError for unsupported FEEL, syntax errors, and cells that could never match the
    input's typeRef (checked only for KNOWN_TYPES), so that no silently dead rule is deployed.
    """
    if text is None or text.strip() in ("", "-"):
        return None
    toks = _tokenize(text)
    _reject_unsupported(text, toks, _HINT)
    parser = _Parser(text, toks)
    items = parser.items(None)
    if (extra := parser.peek()) is not None:
        raise CellError(f"{text!r}: unexpected {extra.text!r}. {_HINT}")
    _check_input(text, items, (type_ref or "").strip().lower())
    result = _render(items)
    _check_engine(result, text)
    return result


def _output_kind(node: ast.expr) -> str | None:
    """Kind of a constant expression ("a" + "b" is a string); None when it depends on data."""
    if isinstance(node, ast.Constant):
        if node.value is None or isinstance(node.value, bool):
            return "null" if node.value is None else "bool"
        return {int: "num", float: "num", str: "str"}.get(type(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return "num" if _output_kind(node.operand) == "num" else None
    if isinstance(node, ast.BinOp):
        left, right = _output_kind(node.left), _output_kind(node.right)
        return left if left == right and left in ("num", "str") else None
    return None


def translate_output_entry(text: str | None, type_ref: str | None = None) -> str | None:
    """FEEL/Python literal expression for an output cell -> Python text; None/'' stays as is.

    Whitespace-only becomes '' (the engine would try to evaluate it). A constant of the wrong
    kind for the output's typeRef raises CellError, as does anything that is not Python.
    """
    if not text:
        return text
    if not text.strip():
        return ""
    toks = _tokenize(text)
    _reject_unsupported(text, toks, _OUT_HINT)
    if any(t.text == ".." for t in toks):
        raise CellError(f"{text!r}: ranges are only allowed in input cells. {_OUT_HINT}")
    result = _rewrite(text, toks, in_input=False)
    try:
        tree = ast.parse(result, mode="eval")
    except SyntaxError as exc:
        raise CellError(f"{text!r} is not a valid output expression ({exc.msg}). "
                        f"{_OUT_HINT}") from None
    kind, wanted = _output_kind(tree.body), (type_ref or "").strip().lower()
    if wanted in KNOWN_TYPES and kind not in (None, "null", _ACCEPTS[wanted]):
        raise CellError(f"{text!r} has the wrong type: the output is {_article(wanted)} but the "
                        f"cell gives the {_KIND_WORD[kind]} {result}")
    return result
