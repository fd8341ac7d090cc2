"""Specification of the FEEL -> SpiffWorkflow-Python translation of DMN decision-table cells.

SpiffWorkflow 3.2 evaluates cells as Python; every deployed cell goes through
app.engine.feel so that a FEEL cell either works as the analyst meant or is rejected.
"""

import ast
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.dmn.specs.model import (
    DecisionTable,
    Input,
    InputEntry,
    Output,
    OutputEntry,
    Rule,
)

# the project is not installed in the venv: make `app` importable from the repository root
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from app.engine.feel import (  # noqa: E402
    KNOWN_TYPES,
    CellError,
    translate_input_entry,
    translate_output_entry,
)

# --- input entries: translations ------------------------------------------------------------

ANY_INPUT = [None, "", "   ", "-", " - "]

TRANSLATIONS = [
    # literals: equality with the input
    ('"East"', '"East"'),
    ("5", "5"),
    ("-5.5", "-5.5"),
    ("  5  ", "5"),
    ("05", "5"),
    ("true", "True"),
    ("false", "False"),
    ("null", "None"),
    # FEEL lists: membership (? form, because the engine appends without a space)
    ('"a","b"', '? in ("a", "b")'),
    ('"a" , "b"', '? in ("a", "b")'),
    ("5,6", "? in (5, 6)"),
    ("-1, 2.5", "? in (-1, 2.5)"),
    ("true, null", "? in (True, None)"),
    ("< 5, > 10", "(? < 5) or (? > 10)"),
    ('"a", < 5', '(? == "a") or (? < 5)'),
    ("[1..3], [7..9]", "(1 <= ? <= 3) or (7 <= ? <= 9)"),
    # FEEL negation
    ('not("a")', '!= "a"'),
    ('not( "a" )', '!= "a"'),
    ('not("a","b")', '? not in ("a", "b")'),
    ("not(5)", "!= 5"),
    ("not(true)", "!= True"),
    ("not(null)", "!= None"),
    ("not(5, null)", "? not in (5, None)"),
    ("not(< 5)", "not (? < 5)"),
    ("not(< 5, > 10)", "not ((? < 5) or (? > 10))"),
    ("not([1..10])", "not (1 <= ? <= 10)"),
    # comparisons (FEEL has = but no ==; both are accepted)
    ("< 5", "< 5"),
    ("<= 5", "<= 5"),
    ("> 5", "> 5"),
    (">= 50000", ">= 50000"),
    (">=50000", ">= 50000"),
    ("= 5", "== 5"),
    ("== 5", "== 5"),
    ("!= 5", "!= 5"),
    ("< -1.5", "< -1.5"),
    ('= "x"', '== "x"'),
    ("= true", "== True"),
    ("< threshold", "< threshold"),
    ("<= customer.limit", "<= customer.limit"),
    ("< limit * 2", "< (limit * 2)"),
    ("< (limit) * 2", "< ((limit) * 2)"),
    ("< (limit * 2)", "< (limit * 2)"),
    ("= (1, 2)", "== (1, 2)"),
    # ranges
    ("[1..10]", "1 <= ? <= 10"),
    ("[ 1 .. 10 ]", "1 <= ? <= 10"),
    ("]1..10]", "1 < ? <= 10"),
    ("(1..10]", "1 < ? <= 10"),
    ("[1..10[", "1 <= ? < 10"),
    ("[1..10)", "1 <= ? < 10"),
    ("]1..10[", "1 < ? < 10"),
    ("[-5.5..-1]", "-5.5 <= ? <= -1"),
    ("[0.5..2.25]", "0.5 <= ? <= 2.25"),
    ('["a".."m"]', '"a" <= ? <= "m"'),
    ("[low..high]", "low <= ? <= high"),
    # task-data names
    ("threshold", "threshold"),
    ("customer.tier", "customer.tier"),
    # our Python dialect stays valid
    ('in ("a", "b")', '? in ("a", "b")'),
    ('in ["a", "b"]', '? in ("a", "b")'),
    ('in ("a")', '? in ("a",)'),  # a list of one, not a substring test
    ("not in (1, 2)", "? not in (1, 2)"),
    ("1 <= ? <= 10", "1 <= ? <= 10"),
    ("1 < ? < 10", "1 < ? < 10"),
    ("True", "True"),
    ("None", "None"),
    ('"x"', '"x"'),
    ("'x'", '"x"'),
    ('== "x"', '== "x"'),
    ('!= "x"', '!= "x"'),
    ("? % 2 == 0", "? % 2 == 0"),
    ("? = 5", "? == 5"),
    ("? == true", "? == True"),
    ('? == East', "? == East"),
    ('x.count("a") > 0', 'x.count("a") > 0'),
    ("in allowed_regions", "? in allowed_regions"),
    ("not in blocked", "? not in blocked"),
    ("in (1, limit + 1)", "? in (1, limit + 1)"),
    # cells edited in a multi-line text box
    ('"a",\n"b"', '? in ("a", "b")'),
    ("? >\n 5", "? > 5"),
]

STRINGS_LEFT_INTACT = [
    ('"a, b"', '"a, b"'),
    ('"[1..2]"', '"[1..2]"'),
    ('"why?"', '"why?"'),
    ('"a.b"', '"a.b"'),
    ('"not(x)"', '"not(x)"'),
    ('"true"', '"true"'),
    ('"a, b", "c"', '? in ("a, b", "c")'),
    ('"why?", "[1..2]"', '? in ("why?", "[1..2]")'),
    ('not("x,y")', '!= "x,y"'),
    ('["a,b".."c?"]', '"a,b" <= ? <= "c?"'),
    ('< "1..2"', '< "1..2"'),
]


@pytest.mark.parametrize("cell", ANY_INPUT)
def test_empty_or_dash_means_any_input(cell):
    assert translate_input_entry(cell) is None
    assert translate_input_entry(cell, "string") is None


@pytest.mark.parametrize(("cell", "expected"), TRANSLATIONS + STRINGS_LEFT_INTACT)
def test_input_translation(cell, expected):
    assert translate_input_entry(cell) == expected


@pytest.mark.parametrize(("cell", "expected"), TRANSLATIONS + STRINGS_LEFT_INTACT)
def test_translation_is_a_fixed_point(cell, expected):
    """Deploying an already translated table again changes nothing."""
    assert translate_input_entry(expected) == expected


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ('"it\'s"', "it's"),
        ("'say \"hi\"'", 'say "hi"'),
        ('"why? it\'s"', "why? it's"),
        ('"back\\\\slash"', "back\\slash"),
    ],
)
def test_quotes_inside_strings_are_escaped_but_keep_their_value(cell, value):
    """The engine finds ? with a regex that counts ' and " alike, so no raw quotes inside."""
    result = translate_input_entry(cell)
    assert ast.literal_eval(result) == value
    assert "'" not in result[1:-1] and '"' not in result[1:-1]


# --- input entries: rejections ----------------------------------------------------------------

TYPE_MISMATCHES = [
    ('"East"', "number", 'the input is a number but the cell compares it with the string "East"'),
    ('"5"', "integer", 'the input is an integer but the cell compares it with the string "5"'),
    ('"5"', "long", "the string"),
    ('"5"', "double", "the string"),
    ('"East"', "Number", "the string"),  # typeRef is case-insensitive
    ("5", "string", "the input is a string but the cell compares it with the number 5"),
    ("-5.5", "STRING", "the number -5.5"),
    ("5", "boolean", "the input is a boolean but the cell compares it with the number 5"),
    ('"yes"', "boolean", 'the input is a boolean but the cell compares it with the string "yes"'),
    ("true", "number", "the boolean True"),
    ("false", "string", "the boolean False"),
    ("5", "date", "the number 5"),
    # every literal of lists, negations, comparisons and ranges is checked
    ('5, "a"', "number", 'the string "a"'),
    ('"a", 5', "string", "the number 5"),
    ('not("a")', "number", 'the string "a"'),
    ('not("a", 5)', "string", "the number 5"),
    ("not(< 5)", "string", "the number 5"),
    ('< "a"', "number", 'the string "a"'),
    ("> 5", "string", "the number 5"),
    ('[1.."z"]', "number", 'the string "z"'),
    ('["a"..9]', "string", "the number 9"),
    ('in ("a", "b")', "number", 'the string "a"'),
    ("not in (1, 2)", "string", "the number 1"),
    ('1 <= ? <= "z"', "number", 'the string "z"'),
]


@pytest.mark.parametrize(("cell", "type_ref", "message"), TYPE_MISMATCHES)
def test_literal_of_the_wrong_type_would_never_match(cell, type_ref, message):
    with pytest.raises(CellError) as err:
        translate_input_entry(cell, type_ref)
    assert "would never match" in str(err.value)
    assert message in str(err.value)
    assert cell in str(err.value)


@pytest.mark.parametrize(
    ("cell", "type_ref"),
    [
        ('"East"', "string"),
        ("5", "number"),
        ("5", "integer"),
        ("2.5", "double"),
        ("true", "boolean"),
        ('"2024-01-31"', "date"),  # dates are ISO strings in task data
        (">= 50000", "long"),
        ("null", "number"),  # null fits every type
        ("null", "string"),
        ("not(null)", "boolean"),
        ('"East"', None),  # unknown typeRef: no check
        ("5", ""),
        ("5", "feel:any"),
        ("East", "number"),  # names are task data for non-string inputs
        ("East", None),
        ("customer.tier", "string"),  # a dotted name is clearly not a forgotten-quotes string
        ("? == East", "string"),  # the explicit way to compare with a variable
    ],
)
def test_matching_types_and_unknown_types_are_accepted(cell, type_ref):
    assert translate_input_entry(cell, type_ref) is not None


@pytest.mark.parametrize(
    ("cell", "name"),
    [("East", "East"), ("  East ", "East"), ("East, West", "East"), ('"North", West', "West"),
     ("not(East)", "East"), ("= East", "East"), ("in (East, West)", "East")],
)
def test_bare_word_in_string_column_is_a_forgotten_quote(cell, name):
    with pytest.raises(CellError, match=f'did you mean "{name}"\\?'):
        translate_input_entry(cell, "string")


@pytest.mark.parametrize(
    ("cell", "construct"),
    [
        ('date("2020-01-01")', "date(...)"),
        ('date and time("2020-01-01T10:00:00")', "date and time(...)"),
        ('time("10:00:00")', "time(...)"),
        ('duration("P1D")', "duration(...)"),
        ('matches(?, "x")', "matches(...)"),
        ('starts with(?, "A")', "starts with(...)"),
        ('string length(?) > 3', "string length(...)"),
        ('contains(?, "x")', "contains(...)"),
        ('> date("2020-01-01")', "date(...)"),
        ('not(date("2020-01-01"))', "date(...)"),
        ("? instance of string", "instance of"),
        ("? between 1 and 10", "between"),
        ("some x in ? satisfies x > 1", "satisfies"),
        ("every x in ? satisfies x > 1", "satisfies"),
        ("if ? > 1 then true else false", "if ... then ... else"),
        ("for x in ? return x", "for ... return"),
    ],
)
def test_unsupported_feel_is_rejected_by_name_with_the_supported_forms(cell, construct):
    with pytest.raises(CellError) as err:
        translate_input_entry(cell)
    message = str(err.value)
    assert construct in message and "not supported" in message
    assert "[1..10]" in message and '"a","b"' in message  # the hint lists the supported forms
    assert cell in message


@pytest.mark.parametrize(
    "cell",
    [
        "[1..10",  # unclosed range
        "1..10",  # range without brackets
        "[1..f(2)]",  # range endpoints must be plain values
        '"abc',  # unterminated string
        "5,,6",  # empty list entry
        "5,",
        "not()",
        "not(5",
        "< ",
        "5 6",
        "a b",
        "#",
        "< 5 and > 3",
        "?? 5",
        "customer tier",  # FEEL names with spaces do not exist in task data
        '"a" "b"',  # a missing comma: Python would silently join the strings
    ],
)
def test_malformed_cells_are_rejected_with_the_original_text(cell):
    with pytest.raises(CellError) as err:
        translate_input_entry(cell)
    assert repr(cell) in str(err.value)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("[10..1]", "the range is empty"),
        ("[5..5[", "the range is empty"),
        ("]5..5]", "the range is empty"),
        ('["z".."a"]', "the range is empty"),
        ("in ()", "the list is empty"),
        ('("a", "b")', "a tuple never equals"),
    ],
)
def test_cells_that_can_never_match_are_rejected(cell, reason):
    with pytest.raises(CellError, match=reason):
        translate_input_entry(cell)


def test_cell_error_is_a_value_error_with_a_human_message():
    with pytest.raises(ValueError) as err:
        translate_input_entry('"East"', "number")
    assert isinstance(err.value, CellError)
    assert str(err.value).startswith("'\"East\"' would never match")


def test_known_types():
    assert {"string", "number", "integer", "long", "double", "boolean", "date"} == KNOWN_TYPES


# --- output entries ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (None, None),
        ("", ""),
        ("   ", ""),
        ("true", "True"),
        ("false", "False"),
        ("null", "None"),
        ('"x"', '"x"'),
        ('"it\'s, [1..2]?"', '"it\'s, [1..2]?"'),
        ("5", "5"),
        ("-5.5", "-5.5"),
        (" 42 ", "42"),
        ('["a", "b"]', '["a", "b"]'),
        ("[true, null]", "[True, None]"),
        ('"a" + "b"', '"a" + "b"'),
        ("amount * 0.1", "amount * 0.1"),
        ("customer.name", "customer.name"),
        ('"a" +\n"b"', '"a" + "b"'),
        ('name.upper()', "name.upper()"),
        ("x.null", "x.null"),  # attribute names are not FEEL constants
        ('{"tier": "gold"}', '{"tier": "gold"}'),
    ],
)
def test_output_translation(cell, expected):
    assert translate_output_entry(cell) == expected


@pytest.mark.parametrize(
    ("cell", "type_ref", "message"),
    [
        ('"x"', "number", 'the output is a number but the cell gives the string "x"'),
        ('"5"', "integer", "the string"),
        ("5", "string", "the output is a string but the cell gives the number 5"),
        ("-5", "String", "the number -5"),
        ('"a" + "b"', "number", "the string"),
        ("1 + 2", "string", "the number"),
        ("true", "string", "the boolean True"),
        ("1", "boolean", "the number 1"),
        ('"yes"', "boolean", "the string"),
    ],
)
def test_output_literal_of_the_wrong_type_is_rejected(cell, type_ref, message):
    with pytest.raises(CellError) as err:
        translate_output_entry(cell, type_ref)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("cell", "type_ref"),
    [("5", "number"), ("-5.5", "double"), ('"x"', "string"), ("true", "boolean"),
     ("null", "number"), ("amount * 2", "string"), ('"x"', None), ('"2024-01-31"', "date")],
)
def test_output_of_a_matching_or_unknown_type_is_accepted(cell, type_ref):
    assert translate_output_entry(cell, type_ref)


@pytest.mark.parametrize(
    "cell",
    ['"a" +', '"a" "b"', "x = 5", "[1..2]", 'date("2020-01-01")', "if x then 1 else 2", '"abc',
     "a b"],
)
def test_invalid_output_is_rejected(cell):
    with pytest.raises(CellError) as err:
        translate_output_entry(cell)
    assert repr(cell) in str(err.value)


# --- end to end: the translated cells really match in SpiffWorkflow's DMNEngine --------------


def _matches(cell_text, value, data=None, translate=True):
    """Run a one-rule, one-input decision table over {'x': value} and report whether it hit."""
    table = DecisionTable("table", "Table", "UNIQUE")
    column = Input("input", "X", "x", "x", "")
    result = Output("output", "Hit", "hit", "boolean")
    table.inputs.append(column)
    table.outputs.append(result)
    rule = Rule("rule")
    rule.row_number = 1
    entry = InputEntry("entry", column)
    entry.lhs.append(translate_input_entry(cell_text) if translate else cell_text)
    outcome = OutputEntry("outcome", result)
    outcome.text = translate_output_entry("true")
    rule.inputEntries.append(entry)
    rule.outputEntries.append(outcome)
    table.rules.append(rule)
    task = SimpleNamespace(data={"x": value, **(data or {})},
                           workflow=SimpleNamespace(script_engine=PythonScriptEngine()))
    return DMNEngine(table).result(task).get("hit", False)


@pytest.mark.parametrize(
    ("cell", "hits", "misses"),
    [
        ("5,6", [5, 6], [7, 56, (5, 6)]),
        ("not(5)", [4, 6], [5]),
        ("not(5, 6)", [7], [5, 6]),
        ("[1..10]", [1, 5.5, 10], [0, 11]),
        ("[1..10[", [1, 9.99], [10]),
        ("]1..10]", [10], [1]),
        ("[-5.5..-1]", [-5.5, -1], [0]),
        ('"a","b"', ["a", "b"], ["c", "a, b", "ab"]),
        ('"a, b", "c"', ["a, b", "c"], ["a", "b"]),
        ('not("a","b")', ["c"], ["a", "b"]),
        ("< 5, > 10", [4, 11], [5, 7, 10]),
        ("not(< 5)", [5, 6], [4]),
        ("true", [True], [False, None]),
        ("null", [None], [0, False, ""]),
        ('"East"', ["East"], ["east", "West"]),
        (">= 50000", [50000, 60000], [49999]),
        ("= 5", [5], [6]),
        ('"why?"', ["why?"], ["why", "whydmninputexpr"]),
        ('"why? it\'s"', ["why? it's"], ["why", "it's"]),
        ('"why? it\'s", "x"', ["why? it's", "x"], ["y"]),
        ('"[1..2]"', ["[1..2]"], [1, 2]),
        ('in ("a", "b")', ["a"], ["c"]),
        ("not in (1, 2)", [3], [1]),
        ("1 <= ? <= 10", [1, 10], [11]),
    ],
)
def test_translated_cells_match_in_spiffworkflow(cell, hits, misses):
    for value in hits:
        assert _matches(cell, value), f"{cell!r} should match {value!r}"
    for value in misses:
        assert not _matches(cell, value), f"{cell!r} should not match {value!r}"


def test_names_refer_to_task_data_at_run_time():
    assert _matches("< limit", 4, {"limit": 5})
    assert not _matches("< limit", 5, {"limit": 5})
    assert _matches("limit", 5, {"limit": 5})
    assert _matches("[low..high]", 3, {"low": 1, "high": 3})
    assert _matches("in allowed", "b", {"allowed": ["a", "b"]})


def test_output_expressions_evaluate_in_spiffworkflow():
    engine = PythonScriptEngine()
    task = SimpleNamespace(data={}, workflow=SimpleNamespace(script_engine=engine))
    assert engine.evaluate(task, translate_output_entry('"a" + "b"')) == "ab"
    assert engine.evaluate(task, translate_output_entry("[true, null]")) == [True, None]


def test_untranslated_feel_list_silently_never_matches():
    """Why this module exists: SpiffWorkflow reads 5,6 as the tuple (5, 6)."""
    assert not _matches("5,6", 6, translate=False)
    assert _matches("5,6", 6)
