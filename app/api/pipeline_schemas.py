"""Schemas of the pipeline API: opportunities, the stages, the board and the forecast.

Money and percentages are Decimal: sent as strings or numbers, returned as strings with two
decimals (``"80000.00"``). The ranges are checked again by the service, which other callers use
too; more than two decimals is refused there rather than rounded.
"""

from __future__ import annotations

import re

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_dump,
    validate,
    validates_schema,
)

from ..models.customer import OPPORTUNITY_KINDS
from .catalog_schemas import Money, Percent
from .schemas import PageArgs, Strict, page_schema, text

CURRENCY = re.compile(r"^[A-Z]{3}$")
MONEY_HELP = {"description": "a decimal with at most two decimals, as a string or a number; "
                             "returned as a string", "example": "80000.00"}
PERCENT_HELP = {"description": "percent, 0 to 100 (two decimals at most)", "example": "30"}


def currency_code(value: str) -> None:
    if not CURRENCY.match(value):
        raise ValidationError("a three-letter code in capitals, e.g. CNY")


# -- opportunities ---------------------------------------------------------------------------

class StageChangeSchema(Schema):
    from_ = fields.String(data_key="from", attribute="from_stage", allow_none=True,
                          metadata={"description": "null: the deal was created in `to`"})
    to = fields.String(attribute="to_stage")
    by = fields.String(attribute="changed_by", allow_none=True)
    at = fields.DateTime(attribute="changed_at")
    reason = fields.String(allow_none=True)


class OpportunitySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    customer_id = fields.Integer(attribute="account_id")
    customer_name = fields.String(allow_none=True)
    contact_id = fields.Integer(allow_none=True)
    lead_id = fields.Integer(allow_none=True, metadata={"description": "the source lead"})
    owner = fields.String(allow_none=True)
    team = fields.String(allow_none=True)
    amount = fields.Decimal(as_string=True, allow_none=True)
    currency = fields.String()
    expected_close_date = fields.Date(allow_none=True)
    stage = fields.String()
    probability = fields.Decimal(as_string=True, metadata={
        "description": "the override, else the stage's default; won 100, lost 0"})
    probability_overridden = fields.Boolean()
    weighted = fields.Decimal(as_string=True, metadata={
        "description": "amount x probability / 100, rounded half-up to cents"})
    products_of_interest = fields.List(fields.String())
    kind = fields.String(metadata={"enum": list(OPPORTUNITY_KINDS)})
    parent_id = fields.Integer(allow_none=True)
    lost_reason = fields.String(allow_none=True)
    days_in_stage = fields.Integer()
    stage_changed_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class OpportunityDetailSchema(OpportunitySchema):
    stage_history = fields.List(fields.Nested(StageChangeSchema),
                                metadata={"description": "oldest first"})


OpportunityPage = page_schema(OpportunitySchema, "OpportunityPage")


class OpportunityArgs(PageArgs):
    stage = text(validate=validate.Length(min=1, max=40))
    owner = text(metadata={"description": "a username, or 'me'"})
    team = text()
    customer = fields.Integer(metadata={"description": "a customer id"})
    open = fields.Boolean(metadata={"description": "true: stages neither won nor lost; "
                                                   "false: won and lost"})
    kind = text(validate=validate.OneOf(OPPORTUNITY_KINDS))


class OpportunityFields(Strict):
    name = text(validate=validate.Length(min=1, max=200))
    amount = Money(allow_none=True, metadata=MONEY_HELP)
    currency = text(validate=currency_code)
    stage = text(validate=validate.Length(min=1, max=40))
    probability = Percent(allow_none=True, metadata={
        **PERCENT_HELP, "description": "percent; null: the stage's default"})
    expected_close_date = fields.Date(allow_none=True)
    contact_id = fields.Integer(allow_none=True)
    owner = text(validate=validate.Length(min=1, max=80),
                 metadata={"description": "managers and admins only; default: the creator"})
    products_of_interest = fields.List(text(validate=validate.Length(min=1, max=40)),
                                       validate=validate.Length(max=100),
                                       metadata={"description": "product codes"})


class OpportunityCreate(OpportunityFields):
    customer_id = fields.Integer(required=True)
    name = text(required=True, validate=validate.Length(min=1, max=200))
    currency = text(load_default="CNY", validate=currency_code)
    kind = text(validate=validate.OneOf(OPPORTUNITY_KINDS))


class OpportunityUpdate(OpportunityFields):
    reason = text(allow_none=True, validate=validate.Length(max=2000),
                  metadata={"description": "why: required with a lost stage"})


# -- stages ----------------------------------------------------------------------------------

class StageNameSchema(Strict):
    en = text(required=True, validate=validate.Length(min=1, max=100))
    zh_CN = text(required=True, data_key="zh-CN", validate=validate.Length(min=1, max=100))


def _stage_fields(stage) -> dict:
    return {"key": stage.key, "name": {"en": stage.name_en, "zh_CN": stage.name_zh},
            "order": stage.position, "probability": stage.probability, "won": stage.is_won,
            "lost": stage.is_lost}


class StageSchema(Schema):
    key = fields.String()
    name = fields.Nested(StageNameSchema)
    order = fields.Integer()
    probability = fields.Decimal(as_string=True, metadata={
        "description": "the default probability of the stage's deals (percent)"})
    won = fields.Boolean()
    lost = fields.Boolean()

    @pre_dump
    def from_row(self, stage, **_kwargs):
        return _stage_fields(stage)


class StageInput(Strict):
    key = text(required=True, metadata={"example": "solution_demo"})
    name = fields.Nested(StageNameSchema, required=True)
    order = fields.Integer(allow_none=True, metadata={
        "description": "optional: with one on every stage the list is sorted by it"})
    probability = fields.Decimal(required=True, allow_nan=False, metadata=PERCENT_HELP)
    won = fields.Boolean(load_default=False)
    lost = fields.Boolean(load_default=False)


# -- the board -------------------------------------------------------------------------------

class TotalsSchema(Schema):
    amount = fields.Decimal(as_string=True)
    weighted = fields.Decimal(as_string=True)
    committed = fields.Decimal(as_string=True)


def totals_field(description: str) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Nested(TotalsSchema),
                       metadata={"description": description,
                                 "example": {"CNY": {"amount": "80000.00",
                                                     "weighted": "24000.00"}}})


class CardSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    customer_id = fields.Integer()
    customer_name = fields.String()
    owner = fields.String(allow_none=True)
    amount = fields.Decimal(as_string=True, allow_none=True)
    currency = fields.String()
    probability = fields.Decimal(as_string=True)
    weighted = fields.Decimal(as_string=True)
    expected_close_date = fields.Date(allow_none=True)
    days_in_stage = fields.Integer()


class ColumnSchema(StageSchema):
    count = fields.Integer(metadata={"description": "every card of the column, shown or not"})
    totals = totals_field("per currency: amount and weighted of every card of the column")
    cards = fields.List(fields.Nested(CardSchema))

    @pre_dump
    def from_row(self, column, **_kwargs):
        return {**_stage_fields(column["stage"]),
                **{k: v for k, v in column.items() if k != "stage"}}


class BoardSchema(Schema):
    columns = fields.List(fields.Nested(ColumnSchema))
    totals = totals_field("per currency, over the open columns (not won, not lost)")


class BoardArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    owner = text(metadata={"description": "a username, or 'me'"})
    team = text()
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000),
                           metadata={"description": "cards shown per column"})


# -- the forecast ----------------------------------------------------------------------------

class ForecastArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    group_by = text(load_default="month", validate=validate.OneOf(("month", "owner", "team")))
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    owner = text(metadata={"description": "a username, or 'me'"})
    team = text()

    @validates_schema
    def ordered(self, data, **_kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("on or after from", "to")


class ForecastGroupSchema(Schema):
    key = fields.String(allow_none=True, metadata={
        "description": "YYYY-MM or no_date; an owner; a team (null: none)"})
    open_count = fields.Integer()
    won_count = fields.Integer()
    totals = totals_field("per currency: amount and weighted (open deals), committed (won)")


class ForecastSchema(Schema):
    group_by = fields.String()
    from_ = fields.Date(data_key="from", attribute="from", allow_none=True)
    to = fields.Date(allow_none=True)
    groups = fields.List(fields.Nested(ForecastGroupSchema))
    totals = totals_field("per currency, over every group")
    definitions = fields.Dict(keys=fields.String(), values=fields.String())
