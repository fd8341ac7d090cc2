"""What a template may use: the data model of each template kind, sample data for previews,
and the formatting every value gets before it reaches a template (money, dates, percents).

Values reach templates as ready-made text, so a template never formats:
``{{ quote.grand_total }}`` is ``¥20,154.00``, ``{{ quote.date }}`` is ``2026年11月27日``
or ``27 Nov 2026`` by the document's language.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

LANGUAGES = ("zh-CN", "en")
CURRENCY_SIGNS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"}

COMPANY = ("name", "name_en", "address", "phone", "email", "website", "bank", "tax_id")
CUSTOMER = ("name", "region", "contact_name", "contact_phone", "contact_email")
OWNER = ("name", "email", "phone")
LINE = ("position", "code", "name", "name_en", "name_zh", "unit", "quantity", "unit_price",
        "discount_pct", "gross", "discount", "net", "tax_rate", "tax", "total")
QUOTE = ("number", "version", "date", "valid_until", "currency", "subtotal", "discount_total",
         "net_total", "tax_total", "grand_total", "special_discount", "notes", "payment_terms")
CONTRACT = ("number", "date", "amount", "currency", "start_date", "end_date", "terms",
            "payment_terms", "special_discount")
APPROVAL = ("role", "name", "decision", "decided_at", "comment")

# every path a template of the kind may name; "lines[]" is an item of the list "lines"
DATA_MODELS: dict[str, dict[str, tuple[str, ...]]] = {
    "quote": {"company": COMPANY, "customer": CUSTOMER, "owner": OWNER, "quote": QUOTE,
              "lines[]": LINE, "language": ()},
    "contract": {"company": COMPANY, "customer": CUSTOMER, "owner": OWNER,
                 "contract": CONTRACT, "quote": QUOTE, "lines[]": LINE,
                 "approvals[]": APPROVAL, "language": ()},
}
KINDS = tuple(DATA_MODELS)


def allowed_paths(kind: str) -> set[str]:
    """``customer.name``, ``lines[].total``, ``language``... for the template kind."""
    paths = set()
    for root, names in DATA_MODELS[kind].items():
        paths.update({root, root.removesuffix("[]")})
        paths.update(f"{root}.{name}" for name in names)
    return paths


# -- formatting --------------------------------------------------------------------------------

def money(amount: Decimal | None, currency: str = "CNY") -> str:
    """``¥1,234.50``; a currency without a sign: ``1,234.50 CHF``."""
    if amount is None:
        return ""
    value = Decimal(amount).quantize(Decimal("0.01"))
    sign, text = "-" if value < 0 else "", f"{abs(value):,.2f}"
    symbol = CURRENCY_SIGNS.get(currency)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


def day(value: date | datetime | None, language: str) -> str:
    """``2026年11月26日`` in Chinese, ``26 Nov 2026`` in English."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if language == "zh-CN":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {value.strftime('%b')} {value.year}"


def percent(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    return f"{text}%"


def quantity(value: Decimal) -> str:
    text = f"{Decimal(value).normalize():f}"
    return text


# -- sample data (previews) -------------------------------------------------------------------

def sample(kind: str, language: str = "zh-CN") -> dict:
    """A plausible document of the kind, for analysts checking their template edits."""
    today = date(2026, 11, 26)
    lines = [
        {"position": 1, "code": "CRM-PRO", "name": "CRM 专业版许可 CRM Professional licence",
         "name_en": "CRM Professional licence", "name_zh": "CRM 专业版许可",
         "unit": "user-year", "quantity": "20", "unit_price": money(Decimal("2400")),
         "discount_pct": "10%", "gross": money(Decimal("48000")),
         "discount": money(Decimal("4800")), "net": money(Decimal("43200")),
         "tax_rate": "13%", "tax": money(Decimal("5616")), "total": money(Decimal("48816"))},
        {"position": 2, "code": "IMPL-DAY",
         "name": "实施服务（人天） Implementation, per person-day",
         "name_en": "Implementation, per person-day", "name_zh": "实施服务（人天）",
         "unit": "person-day", "quantity": "5", "unit_price": money(Decimal("3000")),
         "discount_pct": "0%", "gross": money(Decimal("15000")), "discount": money(Decimal("0")),
         "net": money(Decimal("15000")), "tax_rate": "6%", "tax": money(Decimal("900")),
         "total": money(Decimal("15900"))},
    ]
    quote = {"number": "Q2026-00042-v1", "version": 1, "date": day(today, language),
             "valid_until": day(date(2026, 12, 26), language), "currency": "CNY",
             "subtotal": money(Decimal("63000")), "discount_total": money(Decimal("4800")),
             "net_total": money(Decimal("58200")), "tax_total": money(Decimal("6516")),
             "grand_total": money(Decimal("64716")), "special_discount": False,
             "notes": "含首年远程支持。First-year remote support included.",
             "payment_terms": PAYMENT_TERMS["quote"]}
    data = {"language": language, "company": company_sample(),
            "customer": {"name": "上海精工机械有限公司", "region": "east_china",
                         "contact_name": "王伟",
                         "contact_phone": "+8613800138000",
                         "contact_email": "wang.wei@jinggong.example"},
            "owner": {"name": "Alice Wang", "email": "alice@example.com", "phone": ""},
            "quote": quote, "lines": lines}
    if kind == "contract":
        data["contract"] = {
            "number": "HT2026-00007", "date": day(today, language),
            "amount": quote["grand_total"], "currency": "CNY",
            "start_date": day(date(2027, 1, 1), language),
            "end_date": day(date(2027, 12, 31), language),
            "terms": "乙方按约定付款，甲方按约定交付并提供一年维护。The buyer pays as agreed; the "
                     "seller delivers as agreed and maintains the system for one year.",
            "payment_terms": PAYMENT_TERMS["contract"], "special_discount": False}
        data["approvals"] = [
            {"role": "销售总监 Sales director", "name": "Sam Zhang", "decision": "批准 Approved",
             "decided_at": day(today, language), "comment": ""},
            {"role": "法务总监 Legal director", "name": "Lena Chen", "decision": "批准 Approved",
             "decided_at": day(today, language), "comment": ""}]
    return data


PAYMENT_TERMS = {
    "quote": "合同签订后 10 个工作日内支付 50%，验收后支付 50%。50% within 10 working days "
             "of signing, 50% on acceptance.",
    "contract": "合同签订后 10 个工作日内支付 50%，验收合格后 10 个工作日内支付 50%。"
                "50% within 10 working days of signing, 50% within 10 working days of "
                "acceptance.",
}


def company_sample() -> dict:
    return {"name": "兰亭软件有限公司", "name_en": "Lanting Software Co., Ltd.",
            "address": "上海市徐汇区漕溪北路 18 号", "phone": "+86 21 5555 0100",
            "email": "sales@lanting.example", "website": "www.lanting.example",
            "bank": "招商银行上海分行 6214 0000 0000 0000", "tax_id": "91310000MA1FL0000X"}
