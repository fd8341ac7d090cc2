"""Schemas of the catalogue API: products, price lists, and the money fields quotes reuse."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from ..errors import Invalid
from ..models.customer import CUSTOMER_TIERS
from ..services.pricing import parse_money, parse_percent
from .schemas import PageArgs, Strict, page_schema, text

CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
                       error="letters, digits and . _ - / only (e.g. CRM-STD)")
PRODUCT_LINE = validate.Regexp(r"^[a-z][a-z0-9_]*$",
                               error="lower-case letters, digits and _ (e.g. software)")
CURRENCY = validate.Regexp(r"^[A-Z]{3}$", error="an ISO 4217 code, e.g. CNY")


def pattern_text(pattern: validate.Regexp, max_length: int, **kwargs) -> fields.String:
    """A string matching ``pattern``, shown in the OpenAPI document. The pattern excludes NUL
    already: ``text``'s own NUL check would be a second regex, which the document cannot show."""
    return fields.String(validate=[validate.Length(min=1, max=max_length), pattern], **kwargs)


class Money(fields.Decimal):
    """An amount: read from a string or a number with at most 2 decimal places (never
    rounded silently, see ``pricing.parse_money``), written as a string with exactly 2."""

    parse = staticmethod(parse_money)
    example = "1200.00"

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"type": "string", "example": self.example,
                              **kwargs.get("metadata", {})}
        super().__init__(places=2, as_string=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return self.parse(value, attr or self.name or "value")
        except Invalid as error:
            raise ValidationError([m for ms in error.fields.values() for m in ms]) from None


class Percent(Money):
    """A percentage from 0 to 100 (13 is 13 %), at most 2 decimal places."""

    parse = staticmethod(parse_percent)
    example = "13.00"


# -- products --------------------------------------------------------------------------------

class ProductSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name_en = fields.String()
    name_zh = fields.String()
    unit = fields.String()
    product_line = fields.String()
    list_price = Money()
    tax_rate = Percent(metadata={"description": "VAT, percent"})
    active = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ProductUpdate(Strict):
    code = pattern_text(CODE, 40, metadata={"description": "stored upper case"})
    name_en = text(validate=validate.Length(min=1, max=200))
    name_zh = text(validate=validate.Length(min=1, max=200))
    unit = text(validate=validate.Length(min=1, max=20),
                metadata={"example": "user-year"})
    product_line = pattern_text(PRODUCT_LINE, 40,
                                metadata={"description": "what the discount policy decides by"})
    list_price = Money()
    tax_rate = Percent(metadata={"description": "VAT, percent: 13, 9, 6..."})
    active = fields.Boolean(metadata={"description": "false: no longer offered on quotes"})


class ProductCreate(ProductUpdate):
    code = pattern_text(CODE, 40, required=True, metadata={"description": "stored upper case"})
    name_en = text(required=True, validate=validate.Length(min=1, max=200))
    name_zh = text(required=True, validate=validate.Length(min=1, max=200))
    unit = text(required=True, validate=validate.Length(min=1, max=20),
                metadata={"example": "user-year"})
    product_line = pattern_text(PRODUCT_LINE, 40, required=True)
    list_price = Money(required=True)
    tax_rate = Percent(required=True, metadata={"description": "VAT, percent"})


class ProductArgs(PageArgs):
    active = fields.Boolean()
    q = text(validate=validate.Length(min=1, max=200),
             metadata={"description": "part of the code, English or Chinese name"})
    product_line = text(validate=validate.Length(min=1, max=40))


ProductPage = page_schema(ProductSchema, "ProductPage")


# -- price lists -----------------------------------------------------------------------------

class ListedPriceSchema(Schema):
    product = fields.String(attribute="product.code")
    product_id = fields.Integer(attribute="product.id")
    name_en = fields.String(attribute="product.name_en")
    name_zh = fields.String(attribute="product.name_zh")
    unit = fields.String(attribute="product.unit")
    list_price = Money(attribute="product.list_price")
    price = Money()


class PriceListSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    tier = fields.String(metadata={"enum": list(CUSTOMER_TIERS)})
    currency = fields.String()
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True, metadata={"description": "the last day; null: "
                                                                     "no end"})
    active = fields.Boolean()
    items = fields.List(fields.Nested(ListedPriceSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class PriceListItemRequest(Strict):
    product = text(required=True, validate=validate.Length(min=1, max=40),
                   metadata={"description": "a product code", "example": "CRM-STD"})
    price = Money(required=True)


class PriceListUpdate(Strict):
    name = text(validate=validate.Length(min=1, max=200))
    tier = text(validate=validate.OneOf(CUSTOMER_TIERS))
    currency = pattern_text(CURRENCY, 3)
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True, metadata={"description": "the last day (included); "
                                                                     "null: no end"})
    active = fields.Boolean()
    items = fields.List(fields.Nested(PriceListItemRequest),
                        metadata={"description": "replaces all the items"})


class PriceListCreate(PriceListUpdate):
    name = text(required=True, validate=validate.Length(min=1, max=200))
    tier = text(required=True, validate=validate.OneOf(CUSTOMER_TIERS))
    valid_from = fields.Date(required=True)


class PriceListArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    tier = text(validate=validate.OneOf(CUSTOMER_TIERS))
    active = fields.Boolean()
