"""Schemas of the lead API (capture, routing, the pool)."""

from __future__ import annotations

from marshmallow import Schema, fields

from ..models.lead import LEAD_STATUSES
from .schemas import PageArgs, text

REGIONS = ("east_china", "north_china", "south_china", "central_china", "west_china", "overseas")
INDUSTRIES = ("manufacturing", "retail", "finance", "technology", "services", "other")
PRODUCT_INTERESTS = ("crm_solution", "erp", "analytics", "other")


class TouchSchema(Schema):
    source = fields.String()
    campaign = fields.String(allow_none=True)
    payload = fields.Dict()
    at = fields.DateTime()


class LeadEventSchema(Schema):
    kind = fields.String()
    by = fields.String(allow_none=True)
    data = fields.Dict()
    at = fields.DateTime()


class LeadSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    name = fields.String()
    company = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    company_size = fields.Integer(allow_none=True)
    budget = fields.Decimal(as_string=True, allow_none=True)
    product_interest = fields.String(allow_none=True)
    source = fields.String()
    campaign = fields.String(allow_none=True)
    custom = fields.Dict()
    notes = fields.String(allow_none=True)
    owner = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    close_reason = fields.String(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    assigned_at = fields.DateTime(allow_none=True)
    account_id = fields.Integer(allow_none=True)
    contact_id = fields.Integer(allow_none=True)
    opportunity_id = fields.Integer(allow_none=True)
    merged = fields.Boolean(dump_default=False)


class LeadDetailSchema(LeadSchema):
    routing = fields.Dict(metadata={"description": "why this owner: the DMN inputs, the "
                                                   "matched rule, the strategy, the candidates"})
    touches = fields.List(fields.Nested(TouchSchema))
    events = fields.List(fields.Nested(LeadEventSchema))


class LeadArgs(PageArgs):
    status = text(validate=lambda v: v in LEAD_STATUSES)
    owner = text()
    team = text()
    source = text()
