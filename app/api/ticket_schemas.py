"""Schemas of the ticket API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..models.deal import TICKET_PRIORITIES, TICKET_STATUSES
from .schemas import PageArgs, Strict, page_schema, text


class TicketSchema(Schema):
    id = fields.Integer()
    customer_id = fields.Integer(attribute="account_id")
    contact_id = fields.Integer(allow_none=True)
    opportunity_id = fields.Integer(allow_none=True)
    subject = fields.String()
    description = fields.String(allow_none=True)
    priority = fields.String(metadata={"enum": list(TICKET_PRIORITIES)})
    status = fields.String(metadata={"enum": list(TICKET_STATUSES)})
    assignee = fields.String(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True,
                                metadata={"description": "when it was resolved or closed"})


class TicketUpdate(Strict):
    subject = text(validate=validate.Length(min=1, max=300))
    description = text(allow_none=True, validate=validate.Length(max=20000))
    priority = text(validate=validate.OneOf(TICKET_PRIORITIES))
    status = text(validate=validate.OneOf(TICKET_STATUSES),
                  metadata={"description": "resolved or closed stamps closed_at; open or "
                                           "in_progress again clears it"})
    assignee = text(allow_none=True, validate=validate.Length(min=1, max=80),
                    metadata={"description": "an active user; null: nobody yet"})
    contact_id = fields.Integer(allow_none=True)
    opportunity_id = fields.Integer(allow_none=True)


class TicketCreate(Strict):
    customer_id = fields.Integer(required=True)
    subject = text(required=True, validate=validate.Length(min=1, max=300))
    description = text(allow_none=True, validate=validate.Length(max=20000))
    priority = text(load_default="normal", validate=validate.OneOf(TICKET_PRIORITIES))
    assignee = text(allow_none=True, validate=validate.Length(min=1, max=80),
                    metadata={"description": "an active user; default: nobody yet"})
    contact_id = fields.Integer(allow_none=True,
                                metadata={"description": "a contact of the customer"})
    opportunity_id = fields.Integer(allow_none=True,
                                    metadata={"description": "an opportunity of the customer"})


class CustomerTicketArgs(PageArgs):
    status = text(validate=validate.OneOf(TICKET_STATUSES))
    priority = text(validate=validate.OneOf(TICKET_PRIORITIES))
    assignee = text(validate=validate.Length(min=1, max=80),
                    metadata={"description": "a username, or 'me'"})


class TicketArgs(CustomerTicketArgs):
    customer = fields.Integer(metadata={"description": "a customer id"})


TicketPage = page_schema(TicketSchema, "TicketPage")
