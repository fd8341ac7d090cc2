"""Quote arithmetic: exact Decimal amounts, rounded the way a Chinese VAT invoice rounds them.

Pure functions, no database: the quote service feeds them lines and stores what they return.

Per line, in this order::

    gross    = round(quantity x unit_price)
    discount = round(gross x discount_pct / 100)
    net      = gross - discount
    tax      = round(net x tax_rate / 100)
    total    = net + tax

and the quote's totals are the sums of the lines' figures (grand total = net total + tax total).

Why per line: a VAT invoice (fapiao, 发票) states each line's amount and tax, each rounded to the
fen (0.01 yuan), and its tax total is the sum of those. Taxing the quote's net total once could
differ from the invoice by a cent or two; computing it per line makes the quote agree with the
invoice the customer will receive.

Why half-up: Chinese accounting practice rounds a half fen up (四舍五入), as the tax authority's
invoicing software does; Python's default, round-half-even (banker's rounding), would turn
0.125 into 0.12 where the invoice says 0.13.

``parse_money``, ``parse_percent`` and ``parse_quantity`` turn what a client sent (a string, an
int, a float) into a Decimal or raise ``Invalid`` naming the field: no float ever reaches the
arithmetic, and an amount with more precision than the column keeps is refused rather than
silently rounded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..errors import Invalid

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal("0.00")
MAX_MONEY = Decimal("999999999999.99")  # Numeric(14, 2)
MAX_QUANTITY = Decimal("999999999.999")  # Numeric(12, 3)


def cents(value: Decimal) -> Decimal:
    """Round to the fen, a half fen up (see the module's docstring for why)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """What a quote line is priced from; amounts in the quote's currency, percents 0..100."""

    unit_price: Decimal
    quantity: Decimal
    discount_pct: Decimal = ZERO
    tax_rate: Decimal = ZERO

    def __post_init__(self) -> None:
        for name in ("unit_price", "quantity", "discount_pct", "tax_rate"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Decimal | int):
                raise TypeError(f"{name} must be a Decimal (or an int), not "
                                f"{type(value).__name__}: parse it with parse_money first")


@dataclass(frozen=True)
class LineAmounts:
    """A line's figures, each to the cent."""

    gross: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True)
class Totals:
    """A quote's figures: each line's, and their sums."""

    lines: tuple[LineAmounts, ...]
    subtotal: Decimal
    discount_total: Decimal
    net_total: Decimal
    tax_total: Decimal
    grand_total: Decimal


def price_line(line: Line) -> LineAmounts:
    """One line's gross, discount, net, tax and total; every step rounded to the cent as the
    invoice rounds it, so the figures add up exactly (net + tax == total)."""
    gross = cents(Decimal(line.quantity) * Decimal(line.unit_price))
    discount = cents(gross * Decimal(line.discount_pct) / HUNDRED)
    net = gross - discount
    tax = cents(net * Decimal(line.tax_rate) / HUNDRED)
    return LineAmounts(gross=gross, discount=discount, net=net, tax=tax, total=net + tax)


def price_quote(lines: Iterable[Line]) -> Totals:
    """The quote's lines priced, and its totals as sums of the lines' rounded figures (the
    totals of the invoice), never re-rounded from the unrounded amounts."""
    priced = tuple(price_line(line) for line in lines)
    net_total = sum((p.net for p in priced), ZERO)
    tax_total = sum((p.tax for p in priced), ZERO)
    return Totals(lines=priced,
                  subtotal=sum((p.gross for p in priced), ZERO),
                  discount_total=sum((p.discount for p in priced), ZERO),
                  net_total=net_total, tax_total=tax_total, grand_total=net_total + tax_total)


# -- parsing what clients send ---------------------------------------------------------------

def parse_money(value: object, field: str) -> Decimal:
    """An amount of money (0 to 999,999,999,999.99) with at most 2 decimal places, as a
    Decimal with exactly 2; ``Invalid`` naming ``field`` otherwise."""
    amount = _parse_decimal(value, field, places=2, maximum=MAX_MONEY)
    if amount < 0:
        raise _invalid(field, "must not be negative")
    return amount.quantize(CENT)


def parse_percent(value: object, field: str) -> Decimal:
    """A percentage from 0 to 100 with at most 2 decimal places (12.5 is 12.5 %, not 0.125)."""
    percent = _parse_decimal(value, field, places=2, maximum=HUNDRED)
    if percent < 0:
        raise _invalid(field, "must be between 0 and 100")
    return percent.quantize(CENT)


def parse_quantity(value: object, field: str) -> Decimal:
    """A positive quantity with at most 3 decimal places (2.5 person-days, 0.125 tonnes)."""
    quantity = _parse_decimal(value, field, places=3, maximum=MAX_QUANTITY)
    if quantity <= 0:
        raise _invalid(field, "must be more than 0")
    return quantity.quantize(Decimal("0.001"))


def _parse_decimal(value: object, field: str, *, places: int, maximum: Decimal) -> Decimal:
    """A finite Decimal no larger than ``maximum`` with at most ``places`` decimals.

    A float is read as its shortest repr (0.1 is "0.1", not 0.1000000000000000055...), so a
    number a client typed with two decimals passes and one with three is refused.
    """
    if isinstance(value, bool):
        raise _invalid(field, "must be a number, not true or false")
    if isinstance(value, float) and not math.isfinite(value):
        raise _invalid(field, "must be a finite number")
    if not isinstance(value, str | int | float | Decimal):
        raise _invalid(field, "must be a number or a string of digits")
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise _invalid(field, f"not a number: {str(value)[:40]!r}") from None
    if not number.is_finite():
        raise _invalid(field, "must be a finite number")
    if abs(number) > maximum:
        raise _invalid(field, f"must be at most {maximum}")
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise _invalid(field, f"at most {places} decimal places")
    return number.copy_abs() if number.is_zero() else number  # "-0" is 0.00, not -0.00


def _invalid(field: str, reason: str) -> Invalid:
    return Invalid(f"{field}: {reason}", fields={field: [reason]})
