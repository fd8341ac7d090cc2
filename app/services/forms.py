"""Form definitions (``bpmn/forms/*.json``): checked at deployment, turned into schemas.

One definition serves three purposes: deployment checks it, it builds the marshmallow schema
that validates a submission (422 with per-field errors), and the pages render it. Labels come
in English and Chinese (``{"en": ..., "zh-CN": ...}``).
"""

from __future__ import annotations

import functools
import json
import re
from decimal import ROUND_HALF_UP

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ..errors import Invalid
from ..handlers import check_form
from .variables import check_variables

FIELD_TYPES = {
    "string", "text", "integer", "decimal", "boolean", "date", "datetime", "email", "choice",
    "multichoice",
}
FIELD_KEYS = {
    "name", "type", "label", "required", "choices", "min", "max", "min_length", "max_length",
    "pattern", "default", "help", "places",
}
FORM_KEYS = {"key", "title", "description", "fields", "public", "approval"}
# "approval": true makes the form's tasks an approval: only holders of the task's candidate
# groups (or the one it was delegated to) may claim and complete them; managers and admins,
# who may act on any other task, may not approve in a director's stead
# "public": {"source": "web_form", "campaign": "...", "thanks": {"en": ...}} makes the form a
# public lead form at /forms/<key> (no login); its fields named like lead fields fill them
PUBLIC_KEYS = {"source", "campaign", "thanks"}
PUBLIC_SOURCE = re.compile(r"[a-z][a-z0-9_]{0,39}")
HONEYPOT = "company_website"  # a field hidden from people on public forms; bots fill it in
LANGUAGES = ("en", "zh-CN")
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


class FormDefinitionError(ValueError):
    """A form file that cannot be used; the message names the field and the rule."""


def parse_form(content: bytes, filename: str) -> dict:
    """Read and check a form file; returns the definition with its key."""
    try:
        form = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormDefinitionError(f"not valid JSON: {exc}") from exc
    if not isinstance(form, dict):
        raise FormDefinitionError("a form file holds one JSON object")
    unknown = set(form) - FORM_KEYS
    if unknown:
        raise FormDefinitionError(f"unknown keys {sorted(unknown)}; allowed: {sorted(FORM_KEYS)}")
    stem = filename.rsplit("/", 1)[-1].removesuffix(".json")
    form.setdefault("key", stem)
    if not isinstance(form["key"], str) or not form["key"]:
        raise FormDefinitionError("'key' must be a non-empty string")
    _check_label(form.get("title", {"en": form["key"]}), "title")
    if not isinstance(form.get("fields"), list):
        raise FormDefinitionError("'fields' must be a list")
    seen = set()
    for index, field in enumerate(form["fields"]):
        _check_field(field, index)
        if field["name"] in seen:
            raise FormDefinitionError(f"field {field['name']!r} is defined twice")
        seen.add(field["name"])
    if "public" in form:
        _check_public(form)
    if not isinstance(form.get("approval", False), bool):
        raise FormDefinitionError("'approval' is true or false")
    return form


def _check_public(form: dict) -> None:
    public = form["public"]
    if not isinstance(public, dict):
        raise FormDefinitionError("'public' is an object: {\"source\": \"web_form\", "
                                  "\"campaign\": \"...\"}")
    unknown = set(public) - PUBLIC_KEYS
    if unknown:
        raise FormDefinitionError(f"public: unknown keys {sorted(unknown)}; allowed: "
                                  f"{sorted(PUBLIC_KEYS)}")
    source = public.setdefault("source", "web_form")
    if not isinstance(source, str) or not PUBLIC_SOURCE.fullmatch(source):
        raise FormDefinitionError("public: 'source' is a code (a-z, 0-9, _), e.g. web_form")
    campaign = public.get("campaign")
    if campaign is not None and not (isinstance(campaign, str) and len(campaign) <= 200):
        raise FormDefinitionError("public: 'campaign' is a string of at most 200 characters")
    if "thanks" in public:
        _check_label(public["thanks"], "public: thanks")
    names = {field["name"] for field in form["fields"]}
    if HONEYPOT in names:
        raise FormDefinitionError(f"field {HONEYPOT!r}: the name is reserved on public forms "
                                  "(it catches bots)")
    if "name" not in names or not names & {"phone", "email"}:
        raise FormDefinitionError("a public form creates leads: it needs a 'name' field and a "
                                  "'phone' or 'email' field")
    if any(field.get("type") == "datetime" for field in form["fields"]):
        raise FormDefinitionError("a public form cannot use datetime fields (browsers send "
                                  "no time zone); use a date")


def _check_label(label, where: str) -> None:
    if isinstance(label, str):
        return
    if not isinstance(label, dict) or not label:
        raise FormDefinitionError(f"{where}: a label is a string or {{'en': ..., 'zh-CN': ...}}")
    unknown = set(label) - set(LANGUAGES)
    if unknown:
        raise FormDefinitionError(f"{where}: unknown languages {sorted(unknown)}")
    if not all(isinstance(text, str) for text in label.values()):
        raise FormDefinitionError(f"{where}: each language's label is a string")


NUMERIC = {"integer", "decimal"}
TEXTUAL = {"string", "text", "email"}
# Options that only make sense for some types: elsewhere they would be ignored (choices) or
# crash the validation of a submission (a number range on a date, a pattern on an integer).
APPLIES_TO = {
    "choices": {"choice", "multichoice"}, "min": NUMERIC, "max": NUMERIC, "places": {"decimal"},
    "pattern": TEXTUAL, "min_length": TEXTUAL | {"multichoice"},
    "max_length": TEXTUAL | {"multichoice"},
}


def _check_field(field, index: int) -> None:
    if not isinstance(field, dict):
        raise FormDefinitionError(f"fields[{index}] must be an object")
    name = field.get("name")
    where = f"field {name!r}" if name else f"fields[{index}]"
    if not isinstance(name, str) or not IDENTIFIER.fullmatch(name):
        raise FormDefinitionError(f"{where}: 'name' must be an identifier (letters, digits, _)")
    if name == "typename":
        raise FormDefinitionError(f"{where}: 'typename' is reserved by the engine")
    unknown = set(field) - FIELD_KEYS
    if unknown:
        raise FormDefinitionError(f"{where}: unknown keys {sorted(unknown)}")
    kind = field.get("type", "string")
    if kind not in FIELD_TYPES:
        raise FormDefinitionError(f"{where}: type {kind!r} is not one of {sorted(FIELD_TYPES)}")
    for option, kinds in APPLIES_TO.items():
        if option in field and kind not in kinds:
            raise FormDefinitionError(f"{where}: '{option}' applies only to "
                                      f"{', '.join(sorted(kinds))} fields (this one is {kind})")
    if not isinstance(field.get("required", False), bool):
        raise FormDefinitionError(f"{where}: 'required' is true or false")
    _check_label(field.get("label", name), f"{where} label")
    if kind in ("choice", "multichoice"):
        _check_choices(field.get("choices"), kind, where)
    _check_bounds(field, where)
    if "pattern" in field:
        try:
            re.compile(field["pattern"])
        except (re.error, TypeError) as exc:
            raise FormDefinitionError(f"{where}: bad pattern: {exc}") from exc
    if "default" in field:
        try:
            _marshmallow_field(field).deserialize(field["default"])
        except ValidationError as exc:
            raise FormDefinitionError(f"{where}: the default {field['default']!r} is not a "
                                      f"valid value: {' '.join(exc.messages)}") from exc


def _check_choices(choices, kind: str, where: str) -> None:
    if not isinstance(choices, list) or not choices:
        raise FormDefinitionError(f"{where}: a {kind} field needs a non-empty 'choices' list")
    for choice in choices:
        if not isinstance(choice, dict) or "value" not in choice:
            raise FormDefinitionError(f"{where}: each choice is {{'value', 'label'}}")
        _check_label(choice.get("label", str(choice["value"])), f"{where} choice")


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_bounds(field: dict, where: str) -> None:
    """Bounds of the right type, and a range that some value can satisfy."""
    for bound in ("min", "max"):
        if bound in field and not _is_number(field[bound]):
            raise FormDefinitionError(f"{where}: '{bound}' must be a number")
    for count in ("min_length", "max_length", "places"):
        if count in field and not (isinstance(field[count], int)
                                   and not isinstance(field[count], bool) and field[count] >= 0):
            raise FormDefinitionError(f"{where}: '{count}' must be a whole number >= 0")
    for low, high in (("min", "max"), ("min_length", "max_length")):
        if low in field and high in field and field[low] > field[high]:
            raise FormDefinitionError(f"{where}: '{low}' is greater than '{high}': no value "
                                      "could be valid")


class WholeNumber(fields.Integer):
    """An integer that also accepts "3" and 3.0, but refuses 2.5 (fields.Integer makes it 2)."""

    def _validated(self, value):
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


def _marshmallow_field(spec: dict) -> fields.Field:
    kind = spec.get("type", "string")
    validators = []
    options = {"required": bool(spec.get("required")), "validate": validators}
    if not spec.get("required"):
        options["allow_none"] = True
    if "min" in spec or "max" in spec:
        validators.append(validate.Range(min=spec.get("min"), max=spec.get("max")))
    if "min_length" in spec or "max_length" in spec:
        validators.append(validate.Length(min=spec.get("min_length"), max=spec.get("max_length")))
    if spec.get("required") and kind in ("string", "text"):
        validators.append(validate.Regexp(r"\S", error="Missing data for required field."))
    if spec.get("required") and kind == "multichoice":
        validators.append(validate.Length(min=1, error="Choose at least one."))
    if "pattern" in spec:
        validators.append(validate.Regexp(spec["pattern"]))
    values = [c["value"] for c in spec.get("choices", [])]
    if kind == "integer":
        return WholeNumber(strict=False, **options)
    if kind == "decimal":
        places = int(spec["places"]) if "places" in spec else None
        return fields.Decimal(places=places, rounding=ROUND_HALF_UP, allow_nan=False, **options)
    if kind == "boolean":
        return fields.Boolean(**options)
    if kind == "date":
        return fields.Date(**options)
    if kind == "datetime":
        return fields.AwareDateTime(**options)
    if kind == "email":
        return fields.Email(**options)
    if kind == "choice":
        validators.append(validate.OneOf(values))
        return fields.Raw(**options)
    if kind == "multichoice":
        validators.append(validate.ContainsOnly(values))
        return fields.List(fields.Raw(), **options)
    return fields.String(**options)


@functools.lru_cache(maxsize=512)
def _schema_class(form_json: str) -> type[Schema]:
    form = json.loads(form_json)
    attrs = {f["name"]: _marshmallow_field(f) for f in form["fields"]}
    attrs["Meta"] = type("Meta", (), {"unknown": RAISE})
    return Schema.from_dict(attrs, name=f"Form_{form['key']}")


def validate_submission(form: dict | None, data: dict) -> dict:
    """The submitted values, typed (Decimal, date...); raises Invalid with per-field errors."""
    if form is None:
        return check_variables(data, "data")
    schema = _schema_class(json.dumps(form, sort_keys=True))()
    try:
        values = schema.load(data)
    except ValidationError as exc:
        raise Invalid(f"the form '{form['key']}' rejected the submission",
                      fields=exc.normalized_messages()) from exc
    for spec in form["fields"]:
        if spec["name"] not in values and "default" in spec:  # typed like a submitted value
            values[spec["name"]] = schema.fields[spec["name"]].deserialize(spec["default"])
    problems = check_form(form["key"], values)
    if problems:
        raise Invalid(f"the form '{form['key']}' rejected the submission", fields=problems)
    return values
