"""Schemas of the lead API (capture, routing, the pool)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from ..models.lead import LEAD_STATUSES
from .schemas import PageArgs, text


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
    q = text(validate=validate.Length(max=200),
             metadata={"description": "in the name, company, email or phone"})
    status = text(validate=validate.OneOf(LEAD_STATUSES))
    owner = text()
    team = text()
    source = text()


class AssignRequest(Schema):
    class Meta:
        unknown = RAISE

    owner = text(required=True, validate=validate.Length(min=1, max=80))


class ConvertRequest(Schema):
    class Meta:
        unknown = RAISE

    opportunity_name = text(validate=validate.Length(max=200))
    amount = fields.Decimal(allow_none=True, validate=validate.Range(min=0), places=2,
                            allow_nan=False)


class CloseRequest(Schema):
    class Meta:
        unknown = RAISE

    reason = text(required=True, validate=validate.Length(min=1, max=1000))


class PreviewRequest(Schema):
    class Meta:
        unknown = RAISE

    dmn = text(metadata={"description": "a lead_assignment table (DMN XML) not yet deployed"})
    version = fields.Integer(validate=validate.Range(min=1),
                             metadata={"description": "a deployed version instead"})
    lead_ids = fields.List(fields.Integer(), validate=validate.Length(max=5000))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=5000))


class PreviewSchema(Schema):
    decision_id = fields.String()
    version = fields.Integer(allow_none=True)
    leads = fields.Integer()
    changed = fields.Integer()
    by_team = fields.Dict()
    by_owner = fields.Dict()
    items = fields.List(fields.Dict())


class MemberSchema(Schema):
    username = fields.String()
    position = fields.Integer()
    weight = fields.Integer()
    daily_cap = fields.Integer(allow_none=True)
    on_leave = fields.Boolean()


class TeamSchema(Schema):
    key = fields.String()
    name = fields.String()
    manager = fields.String(attribute="manager_username", allow_none=True)
    team_lead = fields.String(attribute="lead_username", allow_none=True)
    members = fields.List(fields.Nested(MemberSchema))


class MemberRequest(Schema):
    class Meta:
        unknown = RAISE

    username = text(required=True, validate=validate.Length(min=1, max=80))
    weight = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100))
    daily_cap = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    on_leave = fields.Boolean(load_default=False)


class MemberUpdate(Schema):
    class Meta:
        unknown = RAISE

    weight = fields.Integer(validate=validate.Range(min=1, max=100))
    daily_cap = fields.Integer(allow_none=True, validate=validate.Range(min=0))
    on_leave = fields.Boolean()


class TeamRequest(Schema):
    class Meta:
        unknown = RAISE

    key = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,79}$"))
    name = text(validate=validate.Length(max=200))
    manager = text(allow_none=True)
    team_lead = text(allow_none=True)
    members = fields.List(fields.Nested(MemberRequest), load_default=list)


class TeamUpdate(Schema):
    class Meta:
        unknown = RAISE

    name = text(validate=validate.Length(max=200))
    manager = text(allow_none=True)
    team_lead = text(allow_none=True)
