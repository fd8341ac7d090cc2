"""Form definitions: what deployment accepts, and how a submission is validated and typed.

A definition that would crash or silently ignore a rule when a person submits it is rejected
when it is deployed; a submission is checked field by field (422 with per-field errors) and its
values come back typed (Decimal, date, datetime), ready for the process data.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from app.errors import Invalid
from app.services.forms import FormDefinitionError, parse_form, validate_submission

FIXTURES = Path(__file__).parents[1] / "fixtures"


def form(*fields: dict, **top) -> dict:
    return {"key": "visit", "title": {"en": "Visit", "zh-CN": "拜访"}, "fields": list(fields),
            **top}


def definition(value) -> dict:
    return parse_form(json.dumps(value).encode(), "visit.json")


def rejection(value) -> str:
    with pytest.raises(FormDefinitionError) as caught:
        definition(value)
    return str(caught.value)


def errors(form_definition: dict, data) -> dict:
    with pytest.raises(Invalid) as caught:
        validate_submission(form_definition, data)
    assert caught.value.status == 422
    assert caught.value.message == f"the form '{form_definition['key']}' rejected the submission"
    return caught.value.fields


# -- definitions ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["approval.json", "call_notes.json"])
def test_the_fixture_forms_are_valid(name):
    parsed = parse_form((FIXTURES / "forms" / name).read_bytes(), name)
    assert parsed["key"] == name.removesuffix(".json")


def test_the_key_defaults_to_the_file_name():
    assert parse_form(b'{"fields": []}', "bpmn/forms/first_call.json")["key"] == "first_call"


@pytest.mark.parametrize("field_type", ["string", "text", "integer", "decimal", "boolean",
                                        "date", "datetime", "email"])
def test_every_simple_field_type_is_accepted(field_type):
    assert definition(form({"name": "x", "type": field_type}))["fields"][0]["type"] == field_type


@pytest.mark.parametrize("value, reason", [
    (b"{", "not valid JSON"),
    (b"\xff\xfe", "not valid JSON"),
    (b"[]", "one JSON object"),
    (b'{"fields": [], "owner": "bob"}', "unknown keys ['owner']"),
    (b'{"key": "", "fields": []}', "'key' must be a non-empty string"),
    (b'{"key": "x"}', "'fields' must be a list"),
    (b'{"key": "x", "title": {"fr": "Visite"}, "fields": []}', "unknown languages ['fr']"),
    (b'{"key": "x", "title": 5, "fields": []}', "title: a label is a string"),
])
def test_a_form_file_that_cannot_be_used_is_rejected(value, reason):
    with pytest.raises(FormDefinitionError, match=None) as caught:
        parse_form(value, "x.json")
    assert reason in str(caught.value)


@pytest.mark.parametrize("field, reason", [
    ("notes", "fields[0] must be an object"),
    ({"type": "string"}, "'name' must be an identifier"),
    ({"name": "first name"}, "'name' must be an identifier"),
    ({"name": "typename"}, "'typename' is reserved"),
    ({"name": "x", "type": "money"}, "type 'money' is not one of"),
    ({"name": "x", "colour": "red"}, "unknown keys ['colour']"),
    ({"name": "x", "label": {"en": 5}}, "each language's label is a string"),
    ({"name": "x", "label": {"de": "X"}}, "unknown languages ['de']"),
    ({"name": "x", "required": "yes"}, "'required' is true or false"),
    ({"name": "x", "type": "choice"}, "needs a non-empty 'choices' list"),
    ({"name": "x", "type": "multichoice", "choices": []}, "needs a non-empty 'choices' list"),
    ({"name": "x", "type": "choice", "choices": ["a"]}, "each choice is"),
    ({"name": "x", "type": "choice", "choices": [{"value": "a", "label": {"xx": "A"}}]},
     "unknown languages"),
    ({"name": "x", "type": "integer", "min": "1"}, "'min' must be a number"),
    ({"name": "x", "type": "integer", "max": True}, "'max' must be a number"),
    ({"name": "x", "type": "integer", "min": 10, "max": 1}, "'min' is greater than 'max'"),
    ({"name": "x", "min_length": 5, "max_length": 2}, "'min_length' is greater"),
    ({"name": "x", "min_length": -1}, "'min_length' must be a whole number"),
    ({"name": "x", "max_length": "ten"}, "'max_length' must be a whole number"),
    ({"name": "x", "type": "decimal", "places": "two"}, "'places' must be a whole number"),
    ({"name": "x", "pattern": "[a-"}, "bad pattern"),
    ({"name": "x", "pattern": 5}, "bad pattern"),
    # options on a type they do not fit would crash or be ignored at submission
    ({"name": "x", "type": "date", "min": 0}, "'min' applies only to decimal, integer"),
    ({"name": "x", "type": "integer", "pattern": "^[0-9]+$"}, "'pattern' applies only to"),
    ({"name": "x", "type": "integer", "places": 2}, "'places' applies only to decimal"),
    ({"name": "x", "type": "boolean", "max_length": 2}, "'max_length' applies only to"),
    ({"name": "x", "choices": [{"value": "a"}]}, "'choices' applies only to choice"),
    # a default must be a value the field accepts
    ({"name": "x", "type": "date", "default": "tomorrow"}, "the default 'tomorrow'"),
    ({"name": "x", "type": "integer", "min": 1, "default": 0}, "the default 0"),
    ({"name": "x", "type": "choice", "choices": [{"value": "a"}], "default": "b"},
     "the default 'b'"),
])
def test_a_field_that_would_misbehave_is_rejected(field, reason):
    assert reason in rejection(form(field))


def test_a_field_defined_twice_is_rejected():
    assert "defined twice" in rejection(form({"name": "x"}, {"name": "x", "type": "text"}))


def test_the_problem_names_the_field():
    assert rejection(form({"name": "ok"}, {"name": "budget", "type": "money"})).startswith(
        "field 'budget':")


# -- submissions ----------------------------------------------------------------------------

VISIT = form(
    {"name": "notes", "type": "text", "required": True, "max_length": 20},
    {"name": "visitors", "type": "integer", "min": 1, "max": 10},
    {"name": "budget", "type": "decimal", "min": 0, "places": 2},
    {"name": "on", "type": "date"},
    {"name": "at", "type": "datetime"},
    {"name": "contact", "type": "email"},
    {"name": "signed", "type": "boolean"},
    {"name": "intent", "type": "choice",
     "choices": [{"value": "high", "label": {"en": "High", "zh-CN": "高"}},
                 {"value": "low", "label": "Low"}]},
    {"name": "topics", "type": "multichoice", "choices": [{"value": "price"},
                                                          {"value": "terms"}]},
    {"name": "code", "type": "string", "pattern": "^[A-Z]{3}$"},
    {"name": "region", "type": "string", "default": "east"},
)


def test_a_valid_submission_comes_back_typed():
    values = validate_submission(definition(VISIT), {
        "notes": "went well", "visitors": "3", "budget": "1200.456", "on": "2026-03-01",
        "at": "2026-03-01T09:30:00+08:00", "contact": "li@example.com", "signed": "true",
        "intent": "high", "topics": ["price", "terms"], "code": "ABC"})

    assert values["visitors"] == 3
    assert values["budget"] == Decimal("1200.46") and isinstance(values["budget"], Decimal)
    assert values["on"] == date(2026, 3, 1)
    assert values["at"] == datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    assert values["signed"] is True
    assert values["topics"] == ["price", "terms"]
    assert values["region"] == "east"  # the default fills a field left out


def test_a_decimal_from_a_json_float_is_exact_to_its_places():
    values = validate_submission(definition(VISIT), {"notes": "x", "budget": 0.1})
    assert values["budget"] == Decimal("0.10")


def test_a_typed_default_is_typed_like_a_submitted_value():
    dated = definition(form({"name": "on", "type": "date", "default": "2026-01-02"},
                            {"name": "cost", "type": "decimal", "default": "1.5"}))
    assert validate_submission(dated, {}) == {"on": date(2026, 1, 2), "cost": Decimal("1.5")}


def test_a_submitted_value_beats_the_default():
    assert validate_submission(definition(VISIT), {"notes": "x", "region": "west"})[
        "region"] == "west"


def test_every_bad_field_is_reported_at_once():
    fields = errors(definition(VISIT), {
        "visitors": 11, "budget": "lots", "on": "2026-02-30", "at": "2026-03-01T09:30:00",
        "contact": "li-at-example", "signed": "maybe", "intent": "medium",
        "topics": ["price", "colour"], "code": "abcd"})

    assert set(fields) == {"notes", "visitors", "budget", "on", "at", "contact", "signed",
                           "intent", "topics", "code"}
    assert fields["notes"] == ["Missing data for required field."]


@pytest.mark.parametrize("data, field", [
    ({"notes": ""}, "notes"),
    ({"notes": "   "}, "notes"),
    ({"notes": "x" * 21}, "notes"),
    ({"notes": "x", "visitors": 0}, "visitors"),
    ({"notes": "x", "visitors": 2.5}, "visitors"),
    ({"notes": "x", "visitors": True}, "visitors"),
    ({"notes": "x", "budget": -1}, "budget"),
    ({"notes": "x", "budget": "NaN"}, "budget"),
    ({"notes": "x", "on": "1 March"}, "on"),
    ({"notes": "x", "at": "2026-03-01T09:30:00"}, "at"),  # no offset: ambiguous
    ({"notes": "x", "topics": "price"}, "topics"),
])
def test_a_bad_value_is_a_422_on_its_field(data, field):
    assert list(errors(definition(VISIT), data)) == [field]


def test_unknown_fields_are_rejected():
    fields = errors(definition(VISIT), {"notes": "x", "approved_by_ceo": True})
    assert fields == {"approved_by_ceo": ["Unknown field."]}


def test_a_submission_that_is_not_an_object_is_rejected():
    assert errors(definition(VISIT), ["notes"]) == {"_schema": ["Invalid input type."]}


def test_a_required_boolean_may_be_false_but_not_missing():
    approval = definition(form({"name": "approved", "type": "boolean", "required": True}))
    assert validate_submission(approval, {"approved": False}) == {"approved": False}
    assert list(errors(approval, {})) == ["approved"]


def test_a_required_multichoice_needs_one_choice():
    picked = definition(form({"name": "topics", "type": "multichoice", "required": True,
                              "choices": [{"value": "price"}]}))
    assert errors(picked, {"topics": []}) == {"topics": ["Choose at least one."]}


def test_optional_fields_may_be_null():
    values = validate_submission(definition(VISIT), {"notes": "x", "visitors": None})
    assert values["visitors"] is None


def test_a_task_without_a_form_accepts_its_data_as_it_is():
    assert validate_submission(None, {"anything": 1}) == {"anything": 1}
