"""Schemas of quotes and contracts. Money leaves as strings with two decimals; it arrives as
a string or a number and is parsed by services/pricing.py, whose errors name the field."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .schemas import Strict, text


def money() -> fields.Decimal:
    return fields.Decimal(as_string=True, places=2)


def percent() -> fields.Decimal:
    return fields.Decimal(as_string=True, places=2, allow_none=True)


# -- quotes ----------------------------------------------------------------------------------

class QuoteLineRequest(Schema):
    class Meta:
        unknown = "raise"

    product = fields.Raw(required=True, metadata={"description": "a product code"})
    quantity = fields.Raw(required=True, metadata={"description": "up to 3 decimals"})
    discount_pct = fields.Raw(load_default=0, metadata={"description": "percent, 0..100"})


class QuoteRequest(Strict):
    lines = fields.List(fields.Dict(), required=True,
                        metadata={"description": "[{product, quantity, discount_pct}]"})
    valid_until = fields.Date(allow_none=True)
    notes = text(allow_none=True, validate=validate.Length(max=4000))


class QuotePreviewRequest(Strict):
    lines = fields.List(fields.Dict(), required=True)


class QuoteLineSchema(Schema):
    position = fields.Integer()
    product = fields.String(attribute="code")
    name_en = fields.String()
    name_zh = fields.String()
    unit = fields.String()
    product_line = fields.String()
    quantity = fields.Decimal(as_string=True, places=3)
    unit_price = money()
    discount_pct = percent()
    max_discount_pct = percent()
    beyond_policy = fields.Boolean()
    policy_rule = fields.String(allow_none=True)
    gross = money()
    discount = money()
    net = money()
    tax_rate = percent()
    tax = money()
    total = money()


class QuoteFiguresSchema(Schema):
    currency = fields.String()
    tier = fields.String()
    price_list_id = fields.Integer(allow_none=True)
    lines = fields.List(fields.Nested(QuoteLineSchema))
    subtotal = money()
    discount_total = money()
    net_total = money()
    tax_total = money()
    grand_total = money()
    special_discount = fields.Boolean()


class QuoteSchema(QuoteFiguresSchema):
    class Meta:
        exclude = ("tier",)  # a stored quote keeps its prices, not the tier they came from

    id = fields.Integer()
    opportunity_id = fields.Integer()
    version = fields.Integer()
    status = fields.String()
    valid_until = fields.Date(allow_none=True)
    notes = fields.String(allow_none=True)
    instance_id = fields.Integer(allow_none=True)
    document_id = fields.Integer(allow_none=True)
    decision_comment = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


# -- contracts -------------------------------------------------------------------------------

class ContractRequest(Strict):
    quote_id = fields.Integer(allow_none=True)
    amount = fields.Raw(allow_none=True, metadata={"description": "without an accepted quote"})
    currency = text(validate=validate.Regexp(r"^[A-Z]{3}$", error="a 3-letter code, e.g. CNY"))
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    terms = text(allow_none=True, validate=validate.Length(max=20000))


class ContractSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    opportunity_id = fields.Integer()
    quote_id = fields.Integer(allow_none=True)
    customer_id = fields.Integer(attribute="account_id")
    owner = fields.String(allow_none=True)
    amount = money()
    currency = fields.String()
    special_discount = fields.Boolean()
    status = fields.String()
    round = fields.Integer()
    approvers = fields.List(fields.String())
    rejection_reason = fields.String(allow_none=True)
    terms = fields.String(allow_none=True)
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    instance_id = fields.Integer(allow_none=True)
    document_id = fields.Integer(allow_none=True)
    signed_document_id = fields.Integer(allow_none=True)
    signed_at = fields.DateTime(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ApprovalStepSchema(Schema):
    round = fields.Integer()
    step = fields.Integer()
    role = fields.String()
    task_id = fields.String()
    status = fields.String()
    assignee = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decision = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    asked_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    waited_seconds = fields.Integer()
    delegated_by = fields.String(allow_none=True)
    delegated_at = fields.DateTime(allow_none=True)
    delegation_note = fields.String(allow_none=True)


class ApprovalTrailSchema(Schema):
    contract_id = fields.Integer()
    number = fields.String()
    status = fields.String()
    round = fields.Integer()
    approvers = fields.List(fields.String())
    rejection_reason = fields.String(allow_none=True)
    steps = fields.List(fields.Nested(ApprovalStepSchema))
