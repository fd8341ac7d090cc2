"""Capturing leads from every channel: validation, idempotency, de-duplication, creation.

Every channel (``POST /api/leads``, the public web forms, the inbound webhooks) ends in
``capture``, inside the caller's unit of work:

1. a delivery key seen before (``Idempotency-Key``, a webhook's event id) returns the lead that
   delivery created or was merged into (``replayed``), whatever the new body says;
2. a lead whose normalised phone or email matches an open lead active within
   ``CRM_LEAD_DEDUP_DAYS``, or a contact created within it, is merged into that lead: a new
   ``LeadTouch``, blank fields filled, an event ``merged`` (``merged``);
3. otherwise a new lead: its first touch, an event ``created``, and the ``lead_routing``
   process started (when it is deployed).

Concurrent deliveries of one key, or of one phone/email, are serialized by a lock on the key
and on each contact point (PostgreSQL: advisory locks; SQLite: the write lock every writing
unit of work takes), and the unique (source, key) constraints are the safety net.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from .. import db
from ..errors import Conflict, Invalid, NotFound
from ..models.capture import CaptureKey
from ..models.customer import Contact
from ..models.lead import (
    INDUSTRIES,
    OPEN_LEAD_STATUSES,
    PRODUCT_INTERESTS,
    REGIONS,
    Lead,
    LeadTouch,
)
from ..models.user import User
from . import clock, contact_points, definitions, forms, leads, visibility

log = logging.getLogger(__name__)

# the lead fields a channel may fill (a public form's fields with these names fill them)
LEAD_FIELDS = ("name", "company", "phone", "email", "region", "industry", "company_size",
               "budget", "product_interest", "campaign", "notes", "custom")
# filled from a duplicate when the lead has no value yet
FILLABLE = ("company", "phone", "email", "region", "industry", "company_size", "budget",
            "product_interest", "notes")
SOURCE_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")
CUSTOM_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
KEY_TEXT = re.compile(r"[\x21-\x7e]{1,100}")  # visible ASCII, no spaces
MAX_CUSTOM_FIELDS = 50
PHONE_HELP = ("not a phone number: write a Chinese mobile (11 digits starting 13-19, "
              "e.g. 138 0013 8000, optionally with +86) or an international number starting "
              "with + (e.g. +44 20 7946 0958)")
NO_NUL = validate.Regexp(r"^[^\x00]*$", error="must not contain NUL characters")


# -- validation ------------------------------------------------------------------------------

def normalize_phone(value: str | None) -> str | None:
    """The form duplicates are found by (shared with contacts): ``+8613800138000``."""
    return contact_points.normalize_phone(value)


def normalize_email(value: str | None) -> str | None:
    """Lower case, trimmed; None when it is not an address."""
    return contact_points.normalize_email(value)


def _phone(value: str) -> None:
    if normalize_phone(value) is None:
        raise ValidationError(PHONE_HELP)


def _email(value: str) -> None:
    validate.Email(error="not an email address")(value)
    if normalize_email(value) is None:
        raise ValidationError("not an email address")


def _custom(value: dict) -> None:
    if len(value) > MAX_CUSTOM_FIELDS:
        raise ValidationError(f"at most {MAX_CUSTOM_FIELDS} custom fields")
    bad = sorted(str(k) for k in value if not CUSTOM_KEY.fullmatch(str(k)))
    if bad:
        raise ValidationError(f"custom field names are letters, digits and _ (at most 64), "
                              f"starting with a letter: {', '.join(bad)}")
    if not _finite(value):
        raise ValidationError("custom values must be JSON values (no NaN or infinity)")


def _finite(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return value is None or isinstance(value, str | int | bool)


def _text(max_length: int, *checks, **options) -> fields.String:
    return fields.String(validate=[NO_NUL, validate.Length(max=max_length), *checks], **options)


class LeadInput(Schema):
    """A lead as a channel delivers it. Blank strings and nulls count as absent."""

    class Meta:
        unknown = RAISE
        ordered = True

    name = _text(200, required=True)
    company = _text(200)
    phone = _text(40, _phone, metadata={"example": "+86 138 0013 8000"})
    email = _text(254, _email)
    region = fields.String(validate=validate.OneOf(REGIONS))
    industry = fields.String(validate=validate.OneOf(INDUSTRIES))
    company_size = forms.WholeNumber(strict=False, validate=validate.Range(min=0, max=10_000_000),
                               metadata={"description": "number of employees"})
    budget = fields.Decimal(places=2, rounding=ROUND_HALF_UP, allow_nan=False, as_string=True,
                            validate=validate.Range(min=0, max=Decimal("999999999999.99")),
                            metadata={"example": "50000.00"})
    product_interest = fields.String(validate=validate.OneOf(PRODUCT_INTERESTS))
    campaign = _text(200)
    custom = fields.Dict(keys=fields.String(), validate=_custom)
    notes = _text(4000, metadata={"description": "free text"})

    @pre_load
    def drop_blanks(self, data, **_kwargs):
        if not isinstance(data, dict):
            return data
        cleaned = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip()
            if value is not None and value != "":
                cleaned[key] = value
        return cleaned

    @validates_schema
    def phone_or_email(self, data, **_kwargs):
        if not data.get("phone") and not data.get("email"):
            message = "give a phone or an email (or both)"
            raise ValidationError({"phone": [message], "email": [message]})


class ApiLeadInput(LeadInput):
    source = fields.String(validate=validate.Regexp(
        SOURCE_CODE, error="a source channel is a code: a-z, 0-9 and _, e.g. trade_show"),
        metadata={"description": "the source channel (default 'api')", "example": "referral"})


def validate_lead(data, *, paths: dict[str, str] | None = None,
                  schema: type[Schema] = LeadInput) -> dict:
    """The lead's values, typed; Invalid (422) names each bad field, and with ``paths`` (lead
    field -> where it came from, e.g. a payload path) says where the value came from."""
    try:
        return schema().load(data if isinstance(data, dict) else {})
    except ValidationError as exc:
        errors = exc.normalized_messages()
        if not paths:
            raise Invalid(f"the lead is not valid: {', '.join(sorted(errors))}",
                          fields=errors) from exc
        errors = {name: [f"{m} (from {paths[name]})" for m in _messages(value)]
                  if name in paths else value for name, value in errors.items()}
        where = {name: paths[name] for name in errors if name in paths}
        names = ", ".join(f"{name} (from {where[name]})" if name in where else name
                          for name in sorted(errors))
        raise Invalid(f"the payload does not make a valid lead: {names}", fields=errors,
                      paths=where) from exc


def _messages(value) -> list[str]:
    return value if isinstance(value, list) else [str(value)]


def check_idempotency_key(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not KEY_TEXT.fullmatch(value):
        raise Invalid("Idempotency-Key: 1 to 100 visible ASCII characters, no spaces",
                      fields={"Idempotency-Key": ["1 to 100 visible ASCII characters"]})
    return value


def json_safe(value):
    """Typed form values (Decimal, date) as JSON, for custom fields and touch payloads."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


# -- capture ---------------------------------------------------------------------------------

@dataclass
class Captured:
    lead: Lead
    created: bool  # a new lead (201); otherwise an existing one (200)
    merged: bool  # the delivery was merged into an existing lead as a touch
    replayed: bool  # a delivery key seen before: nothing new was recorded
    full_view: bool  # the caller may read the whole lead (else: id, status, merged only)


def capture(values: dict, *, source: str, user: User | None = None,
            idempotency_key: str | None = None, key_scope: str | None = None,
            raw: dict | None = None) -> Captured:
    """Capture validated lead values (``validate_lead``) from ``source``.

    ``idempotency_key`` is unique per (source, key_scope): API callers' keys are scoped to the
    caller (their username, the default), a form's to the form. ``raw`` (a webhook's payload)
    is kept on the touch.
    """
    key = None
    if idempotency_key:
        scope = key_scope if key_scope is not None else (user.username if user else None)
        key = f"{scope}:{idempotency_key}" if scope else idempotency_key
        db.serialize(f"lead-capture-key:{source}:{key}")
        seen = db.session().scalar(select(CaptureKey).where(CaptureKey.source == source,
                                                            CaptureKey.key == key))
        if seen is not None:
            lead = db.session().get(Lead, seen.lead_id)
            return _result(lead, user, created=False, merged=seen.merged, replayed=True)
    phone, email = normalize_phone(values.get("phone")), normalize_email(values.get("email"))
    for point in sorted(f"lead-contact:{kind}:{value}"
                        for kind, value in (("phone", phone), ("email", email)) if value):
        db.serialize(point)
    existing = find_duplicate(phone, email)
    if existing is not None:
        lead = merge(existing, values, source=source, user=user, raw=raw)
        _remember(source, key, lead, merged=True)
        return _result(lead, user, created=False, merged=True, replayed=False)
    lead = create(values, source=source, user=user, raw=raw, idempotency_key=key)
    _remember(source, key, lead, merged=False)
    start_routing(lead, user=user)
    return _result(lead, user, created=True, merged=False, replayed=False)


def _result(lead: Lead, user: User | None, **outcome) -> Captured:
    """Who sent a new lead (or repeats the request that created it) reads it back; a delivery
    merged into an existing lead shows it only to those GET /api/leads/<id> would, so that
    posting a phone number cannot reveal someone else's lead."""
    sent_it = not outcome["merged"] and lead.created_by == getattr(user, "username", None)
    full = user is not None and (sent_it or visibility.can_see_lead(user, lead))
    return Captured(lead=lead, full_view=full, **outcome)


def _remember(source: str, key: str | None, lead: Lead, *, merged: bool) -> None:
    if key is None:
        return
    session = db.session()
    try:
        with session.begin_nested():
            session.add(CaptureKey(source=source, key=key, lead_id=lead.id, merged=merged,
                                   created_at=clock.now()))
    except IntegrityError as exc:  # only if the key lock was bypassed: let the client retry
        raise Conflict("a delivery with this key is being processed; send it again") from exc


def find_duplicate(phone: str | None, email: str | None) -> Lead | None:
    """The lead a delivery with this normalised phone/email belongs to, if any: an open lead
    active within the window, else the lead of a contact created within it."""
    if not phone and not email:
        return None
    since = clock.now() - timedelta(days=current_app.config["LEAD_DEDUP_DAYS"])
    session = db.session()

    def matching(model):
        conditions = []
        if phone:
            conditions.append(model.phone_normalized == phone)
        if email:
            conditions.append(model.email_normalized == email)
        return or_(*conditions)

    lead = session.scalar(select(Lead).where(matching(Lead), Lead.status.in_(OPEN_LEAD_STATUSES),
                                             Lead.updated_at >= since)
                          .order_by(Lead.updated_at.desc(), Lead.id.desc()).limit(1))
    if lead is not None:
        return leads.locked(lead.id)
    contacts = session.scalars(select(Contact).where(matching(Contact),
                                                     Contact.created_at >= since)
                               .order_by(Contact.created_at.desc(), Contact.id.desc()))
    for contact in contacts:
        lead_id = session.scalar(
            select(Lead.id).where(or_(Lead.contact_id == contact.id,
                                      Lead.id == contact.source_lead_id))
            .order_by(Lead.id.desc()).limit(1))
        if lead_id is not None:
            return leads.locked(lead_id)
    return None


def _touch(lead: Lead, values: dict, *, source: str, raw: dict | None) -> LeadTouch:
    payload = json_safe(values)
    if raw is not None:
        payload["raw"] = raw
    touch = LeadTouch(source=source, campaign=values.get("campaign"), payload=payload,
                      at=clock.now())
    lead.touches.append(touch)  # keeps the loaded lead's list current in this unit of work
    db.session().flush()
    return touch


def merge(lead: Lead, values: dict, *, source: str, user: User | None = None,
          raw: dict | None = None) -> Lead:
    """Record a duplicate delivery as a touch of ``lead``; fill the lead's blank fields."""
    for name in FILLABLE:
        if getattr(lead, name) in (None, "") and values.get(name) not in (None, ""):
            setattr(lead, name, values[name])
    custom = dict(lead.custom or {})
    for name, value in (values.get("custom") or {}).items():
        custom.setdefault(name, value)
    lead.custom = custom
    lead.phone_normalized = normalize_phone(lead.phone)
    lead.email_normalized = normalize_email(lead.email)
    lead.updated_at = clock.now()
    touch = _touch(lead, values, source=source, raw=raw)
    leads.record_event(lead, "merged", by=user.username if user else None, source=source,
                       campaign=values.get("campaign"), touch_id=touch.id)
    return lead


def create(values: dict, *, source: str, user: User | None = None, raw: dict | None = None,
           idempotency_key: str | None = None) -> Lead:
    """A new lead from validated values, with its first touch and the event ``created``."""
    now = clock.now()
    lead = Lead(status="new", source=source, idempotency_key=idempotency_key,
                created_by=user.username if user else None, created_at=now, updated_at=now,
                custom=dict(values.get("custom") or {}), routing={},
                **{name: values.get(name) for name in LEAD_FIELDS if name != "custom"})
    lead.phone_normalized = normalize_phone(lead.phone)
    lead.email_normalized = normalize_email(lead.email)
    db.session().add(lead)
    db.session().flush()
    _touch(lead, values, source=source, raw=raw)
    leads.record_event(lead, "created", by=user.username if user else None, source=source)
    return lead


def start_routing(lead: Lead, *, user: User | None = None):
    """Start ``lead_routing`` for a new lead; until that process is deployed, skip it."""
    try:
        definitions.process(leads.ROUTING_PROCESS)
    except NotFound:
        log.warning("lead %s was not routed: no %r process is deployed", lead.id,
                    leads.ROUTING_PROCESS)
        return None
    return leads.start_routing(lead, user=user)


def capture_from_api(body: dict, *, user: User, idempotency_key: str | None = None) -> Captured:
    """``POST /api/leads``: a body loaded with ``ApiLeadInput``."""
    values = dict(body)
    source = values.pop("source", None) or "api"
    return capture(values, source=source, user=user,
                   idempotency_key=check_idempotency_key(idempotency_key))


# -- public web forms ------------------------------------------------------------------------

def public_form(form_key: str) -> dict:
    """The latest version of a deployed form that its file makes public; NotFound otherwise."""
    row = definitions.latest_forms().get(form_key)
    form = definitions.form_by_hash(row.file_hash) if row is not None else None
    if form is None or not isinstance(form.get("public"), dict):
        raise NotFound(f"no public form {form_key!r}")
    return form


def submit_form(form: dict, data: dict, *, idempotency_key: str | None = None) -> Captured | None:
    """A public form's submission: checked against the form, then as a lead. Fields named
    like lead fields fill them, the others become custom fields. None when the honeypot is
    filled in (a bot): the caller answers as if it had worked, and nothing is recorded."""
    if data.get(forms.HONEYPOT) not in (None, "", []):
        log.info("public form %r: honeypot filled in, submission dropped", form["key"])
        return None
    data = {name: value for name, value in data.items() if name != forms.HONEYPOT}
    try:
        submitted = forms.validate_submission(form, data)
    except Invalid as invalid:  # show the lead's own problems (a phone's format) at once too
        lead_fields = {name: value for name, value in data.items()
                       if name in LEAD_FIELDS and name != "custom"
                       and name not in invalid.fields}
        lead_errors = LeadInput().validate(lead_fields, partial=True)
        invalid.fields = {**{k: v for k, v in lead_errors.items() if k in lead_fields},
                          **invalid.fields}
        raise
    lead_data, custom = {}, {}
    for name, value in submitted.items():
        if value is None or value == []:
            continue
        if name in LEAD_FIELDS and name != "custom":
            lead_data[name] = value
        else:
            custom[name] = json_safe(value)
    if custom:
        lead_data["custom"] = custom
    public = form["public"]
    if public.get("campaign"):
        lead_data.setdefault("campaign", public["campaign"])
    values = validate_lead(lead_data)
    return capture(values, source=public.get("source") or "web_form",
                   idempotency_key=check_idempotency_key(idempotency_key),
                   key_scope=f"form:{form['key']}")
