"""Schemas of the customer API: customers, contacts, interactions and the timeline."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..models.customer import INTERACTION_KINDS
from ..models.lead import INDUSTRIES, REGIONS
from ..services.contact_points import valid_email, valid_phone
from .schemas import PageArgs, Strict, page_schema, text

PHONE_HELP = ("not a phone number: a Chinese mobile (13812345678) or an international number "
              "(+44 20 7946 0958)")


def _blank_or(check, message: str):
    def validator(value: str) -> None:
        if value.strip() and not check(value):
            raise ValidationError(message)
    return validator


def optional_text(max_length: int, **kwargs) -> fields.String:
    return text(allow_none=True, validate=validate.Length(max=max_length), **kwargs)


# -- customers -------------------------------------------------------------------------------

class ContactSchema(Schema):
    id = fields.Integer()
    customer_id = fields.Integer(attribute="account_id")
    name = fields.String()
    title = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    source_lead_id = fields.Integer(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class OpportunitySummarySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    stage = fields.String()
    amount = fields.Decimal(as_string=True, allow_none=True)
    currency = fields.String()
    expected_close_date = fields.Date(allow_none=True)
    owner = fields.String(allow_none=True)
    contact_id = fields.Integer(allow_none=True)
    lead_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class CustomerSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    industry = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    company_size = fields.Integer(allow_none=True)
    owner = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    source_lead_id = fields.Integer(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class CustomerDetailSchema(CustomerSchema):
    contacts = fields.List(fields.Nested(ContactSchema))
    opportunities = fields.List(fields.Nested(OpportunitySummarySchema))


class CustomerArgs(PageArgs):
    q = text(validate=validate.Length(min=1, max=200),
             metadata={"description": "part of the name (case, spaces, punctuation and legal "
                                      "form ignored)"})
    owner = text(metadata={"description": "a username, or 'me'"})


class CustomerUpdate(Strict):
    name = text(validate=validate.Length(min=1, max=200))
    industry = text(allow_none=True, validate=validate.OneOf(INDUSTRIES))
    region = text(allow_none=True, validate=validate.OneOf(REGIONS))
    company_size = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    notes = optional_text(10000)
    owner = text(validate=validate.Length(min=1, max=80),
                 metadata={"description": "managers and admins only; default: the creator"})
    team = text(allow_none=True, validate=validate.Length(min=1, max=80),
                metadata={"description": "managers and admins only; default: the owner's team "
                                         "when they are in one"})


class CustomerCreate(CustomerUpdate):
    name = text(required=True, validate=validate.Length(min=1, max=200))


class ContactUpdate(Strict):
    name = text(validate=validate.Length(min=1, max=200))
    title = optional_text(200)
    phone = text(allow_none=True, validate=validate.And(validate.Length(max=40),
                                                     _blank_or(valid_phone, PHONE_HELP)))
    email = text(allow_none=True, validate=validate.And(
        validate.Length(max=254), _blank_or(valid_email, "not an email address")))


class ContactCreate(ContactUpdate):
    name = text(required=True, validate=validate.Length(min=1, max=200))


# -- interactions ----------------------------------------------------------------------------

class InteractionSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": list(INTERACTION_KINDS)})
    customer_id = fields.Integer(attribute="account_id", allow_none=True)
    lead_id = fields.Integer(allow_none=True)
    contact_id = fields.Integer(allow_none=True)
    subject = fields.String()
    body = fields.String(allow_none=True)
    data = fields.Dict()
    occurred_at = fields.DateTime()
    by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class InteractionUpdate(Strict):
    kind = text(validate=validate.OneOf(INTERACTION_KINDS))
    contact_id = fields.Integer(allow_none=True)
    subject = text(validate=validate.Length(max=300))
    body = optional_text(20000)
    occurred_at = fields.AwareDateTime(metadata={"description": "default: now"})
    data = fields.Dict(keys=fields.String(),
                       metadata={"description": "anything else worth keeping (duration...)"})


class InteractionCreate(InteractionUpdate):
    kind = text(required=True, validate=validate.OneOf(INTERACTION_KINDS))
    customer_id = fields.Integer()
    lead_id = fields.Integer(metadata={"description": "a lead not yet converted (or with "
                                                      "customer_id, a converted one)"})

    @validates_schema
    def with_whom(self, data, **_kwargs):
        if data.get("customer_id") is None and data.get("lead_id") is None:
            raise ValidationError("send customer_id or lead_id", "customer_id")
        if not (data.get("subject") or "").strip() and not (data.get("body") or "").strip():
            raise ValidationError("send a subject or a body", "subject")


class InteractionArgs(PageArgs):
    kind = text(validate=validate.OneOf(INTERACTION_KINDS))


InteractionPage = page_schema(InteractionSchema, "InteractionPage")
CustomerPage = page_schema(CustomerSchema, "CustomerPage")


# -- the timeline ----------------------------------------------------------------------------

class TimelineItemSchema(Schema):
    kind = fields.String(metadata={"example": "task.completed"})
    at = fields.DateTime()
    by = fields.String(allow_none=True)
    title = fields.String()
    data = fields.Dict()
    ref = fields.Dict(allow_none=True, metadata={"example": {"type": "task", "id": "..."}})


class TimelineArgs(PageArgs):
    kind = fields.List(text(validate=validate.Length(min=1, max=60)),
                       metadata={"description": "only these kinds or families (repeatable): "
                                                "interaction, task, lead, notification, "
                                                "opportunity, customer, task.completed..."})


TimelinePage = page_schema(TimelineItemSchema, "TimelinePage")
