"""Quote arithmetic: every figure below was worked out by hand, in the comment beside it."""

from decimal import Decimal as D

import pytest

from app.errors import Invalid
from app.services.pricing import (
    Line,
    LineAmounts,
    parse_money,
    parse_percent,
    parse_quantity,
    price_line,
    price_quote,
)


def amounts(gross: str, discount: str, net: str, tax: str, total: str) -> LineAmounts:
    return LineAmounts(D(gross), D(discount), D(net), D(tax), D(total))


# -- lines -----------------------------------------------------------------------------------

def test_three_licences_at_twelve_and_a_half_percent_off_with_13_percent_vat():
    line = Line(unit_price=D("1200.00"), quantity=D(3), discount_pct=D("12.5"),
                tax_rate=D(13))
    # gross    3 x 1,200.00            = 3,600.00
    # discount 3,600.00 x 12.5 / 100   =   450.00
    # net      3,600.00 - 450.00       = 3,150.00
    # tax      3,150.00 x 13 / 100     =   409.50
    # total    3,150.00 + 409.50       = 3,559.50
    assert price_line(line) == amounts("3600.00", "450.00", "3150.00", "409.50", "3559.50")


def test_two_and_a_half_person_days_of_implementation():
    line = Line(unit_price=D("3000.00"), quantity=D("2.5"), discount_pct=D(5), tax_rate=D(6))
    # gross    2.5 x 3,000.00          = 7,500.00
    # discount 7,500.00 x 5 / 100      =   375.00
    # net      7,500.00 - 375.00       = 7,125.00
    # tax      7,125.00 x 6 / 100      =   427.50
    # total    7,125.00 + 427.50       = 7,552.50
    assert price_line(line) == amounts("7500.00", "375.00", "7125.00", "427.50", "7552.50")


def test_a_half_cent_discount_rounds_up_not_to_even():
    line = Line(unit_price=D("1.00"), quantity=D(1), discount_pct=D("12.5"), tax_rate=D(13))
    # gross    1 x 1.00                = 1.00
    # discount 1.00 x 12.5 / 100       = 0.125  -> 0.13 (half-even would give 0.12)
    # net      1.00 - 0.13             = 0.87
    # tax      0.87 x 13 / 100         = 0.1131 -> 0.11
    # total    0.87 + 0.11             = 0.98
    assert price_line(line) == amounts("1.00", "0.13", "0.87", "0.11", "0.98")


def test_a_half_cent_of_tax_rounds_up_not_to_even():
    line = Line(unit_price=D("102.50"), quantity=D(1), tax_rate=D(13))
    # gross    1 x 102.50              = 102.50
    # discount none                    =   0.00
    # net                              = 102.50
    # tax      102.50 x 13 / 100       =  13.325 -> 13.33 (half-even would give 13.32)
    # total    102.50 + 13.33          = 115.83
    assert price_line(line) == amounts("102.50", "0.00", "102.50", "13.33", "115.83")


def test_a_half_cent_of_gross_rounds_up_not_to_even():
    line = Line(unit_price=D("2.25"), quantity=D("0.5"))
    # gross    0.5 x 2.25              = 1.125 -> 1.13 (half-even would give 1.12)
    # no discount, no tax: net = total = 1.13
    assert price_line(line) == amounts("1.13", "0.00", "1.13", "0.00", "1.13")


def test_an_odd_price_rounds_each_step_to_the_cent():
    line = Line(unit_price=D("19.99"), quantity=D(7), discount_pct=D(15), tax_rate=D(13))
    # gross    7 x 19.99               = 139.93
    # discount 139.93 x 15 / 100       =  20.9895 -> 20.99
    # net      139.93 - 20.99          = 118.94
    # tax      118.94 x 13 / 100       =  15.4622 -> 15.46
    # total    118.94 + 15.46          = 134.40
    assert price_line(line) == amounts("139.93", "20.99", "118.94", "15.46", "134.40")


def test_every_figure_has_exactly_two_decimals():
    priced = price_line(Line(unit_price=D(1200), quantity=D(2), tax_rate=D(0)))
    assert [str(v) for v in (priced.gross, priced.discount, priced.net, priced.tax,
                             priced.total)] == ["2400.00", "0.00", "2400.00", "0.00", "2400.00"]


def test_floats_never_reach_the_arithmetic():
    with pytest.raises(TypeError, match="unit_price"):
        Line(unit_price=1200.0, quantity=D(1))
    with pytest.raises(TypeError, match="quantity"):
        Line(unit_price=D(1200), quantity=True)


# -- quotes ----------------------------------------------------------------------------------

def test_a_quote_of_licences_services_and_hardware_adds_up_its_lines():
    totals = price_quote([
        # 3,600.00 gross, 450.00 off, 3,150.00 net, 409.50 VAT, 3,559.50 (first test)
        Line(D("1200.00"), D(3), D("12.5"), D(13)),
        # 7,500.00 gross, 375.00 off, 7,125.00 net, 427.50 VAT, 7,552.50 (second test)
        Line(D("3000.00"), D("2.5"), D(5), D(6)),
        # 7 x 1,800.00 = 12,600.00 gross, nothing off, 12,600.00 net,
        # 12,600.00 x 13 / 100 = 1,638.00 VAT, 14,238.00
        Line(D("1800.00"), D(7), D(0), D(13)),
    ])
    assert [line.total for line in totals.lines] == [D("3559.50"), D("7552.50"),
                                                     D("14238.00")]
    assert totals.subtotal == D("23700.00")        # 3,600 + 7,500 + 12,600
    assert totals.discount_total == D("825.00")    # 450 + 375 + 0
    assert totals.net_total == D("22875.00")       # 3,150 + 7,125 + 12,600
    assert totals.tax_total == D("2475.00")        # 409.50 + 427.50 + 1,638.00
    assert totals.grand_total == D("25350.00")     # 22,875.00 + 2,475.00


def test_the_tax_total_is_the_sum_of_line_taxes_as_on_the_fapiao():
    totals = price_quote([Line(D("102.50"), D(1), D(0), D(13))] * 2)
    # each line: 102.50 x 13 / 100 = 13.325 -> 13.33; two lines: 26.66
    # (taxing the net total once would give 205.00 x 13 / 100 = 26.65, a cent off the invoice)
    assert totals.tax_total == D("26.66")
    assert totals.net_total == D("205.00")
    assert totals.grand_total == D("231.66")       # 205.00 + 26.66


def test_a_quote_without_lines_is_all_zero():
    totals = price_quote([])
    assert totals.lines == ()
    assert (totals.subtotal, totals.discount_total, totals.net_total, totals.tax_total,
            totals.grand_total) == (D("0.00"),) * 5


# -- parsing what clients send ---------------------------------------------------------------

@pytest.mark.parametrize(("sent", "parsed"), [
    ("1200.00", "1200.00"), ("1200", "1200.00"), (1200, "1200.00"), (" 99.9 ", "99.90"),
    (1200.5, "1200.50"), (0.1, "0.10"), ("1.500", "1.50"), (D("3.1"), "3.10"), (0, "0.00"),
    ("-0", "0.00"),
    ("999999999999.99", "999999999999.99"),
])
def test_money_is_read_from_strings_and_numbers_to_exact_cents(sent, parsed):
    value = parse_money(sent, "price")
    assert isinstance(value, D) and str(value) == parsed


@pytest.mark.parametrize(("sent", "reason"), [
    ("1.005", "at most 2 decimal places"),
    (1.005, "at most 2 decimal places"),
    (0.1 + 0.2, "at most 2 decimal places"),  # 0.30000000000000004: float noise
    ("-5.00", "must not be negative"),
    ("NaN", "must be a finite number"),
    (float("nan"), "must be a finite number"),
    (float("inf"), "must be a finite number"),
    ("Infinity", "must be a finite number"),
    (True, "must be a number, not true or false"),
    ("1,200.00", "not a number: '1,200.00'"),
    ("", "not a number: ''"),
    (None, "must be a number or a string of digits"),
    ([12], "must be a number or a string of digits"),
    ("1000000000000", "must be at most 999999999999.99"),
])
def test_money_that_is_not_exact_cents_is_refused_naming_the_field(sent, reason):
    with pytest.raises(Invalid) as refused:
        parse_money(sent, "list_price")
    assert refused.value.fields == {"list_price": [reason]}
    assert refused.value.message == f"list_price: {reason}"
    assert refused.value.status == 422


@pytest.mark.parametrize(("sent", "parsed"), [
    ("12.5", "12.50"), (13, "13.00"), (0, "0.00"), ("100", "100.00"), (6.25, "6.25")])
def test_percentages_are_0_to_100_with_two_decimals(sent, parsed):
    assert str(parse_percent(sent, "tax_rate")) == parsed


@pytest.mark.parametrize(("sent", "reason"), [
    ("100.01", "must be at most 100"), (-1, "must be between 0 and 100"),
    ("13.125", "at most 2 decimal places"), (False, "must be a number, not true or false"),
    ("nan", "must be a finite number")])
def test_percentages_out_of_range_or_too_precise_are_refused(sent, reason):
    with pytest.raises(Invalid) as refused:
        parse_percent(sent, "discount_pct")
    assert refused.value.fields == {"discount_pct": [reason]}


def test_quantities_take_three_decimals_and_must_be_positive():
    assert str(parse_quantity("2.5", "quantity")) == "2.500"
    assert str(parse_quantity(0.125, "quantity")) == "0.125"
    for sent, reason in (("0", "must be more than 0"), (-2, "must be more than 0"),
                         ("0.0005", "at most 3 decimal places")):
        with pytest.raises(Invalid) as refused:
            parse_quantity(sent, "quantity")
        assert refused.value.fields == {"quantity": [reason]}
