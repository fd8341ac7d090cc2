"""The data a quote or contract document is filled with, read from the records and formatted
for the document's language (the data model: app/documents/model.py)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from .. import db
from ..documents.model import PAYMENT_TERMS, day, money, percent, quantity
from ..models.customer import Account, Contact, Opportunity
from ..models.deal import Contract, Quote
from ..models.user import User
from . import contracts

ROLE_LABELS = {"sales_director": "销售总监 Sales director",
               "legal_director": "法务总监 Legal director",
               "finance_director": "财务总监 Finance director"}
DECISIONS = {"approve": "批准 Approved", "reject": "驳回 Rejected"}


def company() -> dict:
    config = current_app.config
    return {name: config[f"COMPANY_{name.upper()}"] for name in (
        "name", "name_en", "address", "phone", "email", "website", "bank", "tax_id")}


def _person(username: str | None) -> dict:
    user = db.session().scalar(select(User).where(User.username == username)) if username \
        else None
    if user is None:
        return {"name": username or "", "email": "", "phone": ""}
    return {"name": user.display_name or user.username, "email": user.email or "",
            "phone": user.phone or ""}


def _customer(opportunity: Opportunity) -> dict:
    session = db.session()
    account = session.get(Account, opportunity.account_id)
    contact = session.get(Contact, opportunity.contact_id) if opportunity.contact_id else None
    if contact is None:
        contact = session.scalar(select(Contact).where(Contact.account_id == account.id)
                                 .order_by(Contact.id).limit(1))
    return {"name": account.name, "region": account.region or "",
            "contact_name": contact.name if contact else "",
            "contact_phone": (contact.phone or "") if contact else "",
            "contact_email": (contact.email or "") if contact else ""}


def quote_number(quote: Quote) -> str:
    return f"Q{quote.created_at.year}-{quote.opportunity_id:05d}-v{quote.version}"


def _quote(quote: Quote, language: str) -> dict:
    currency = quote.currency
    return {"number": quote_number(quote), "version": quote.version,
            "date": day(quote.created_at, language),
            "valid_until": day(quote.valid_until, language), "currency": currency,
            "subtotal": money(quote.subtotal, currency),
            "discount_total": money(quote.discount_total, currency),
            "net_total": money(quote.net_total, currency),
            "tax_total": money(quote.tax_total, currency),
            "grand_total": money(quote.grand_total, currency),
            "special_discount": quote.special_discount, "notes": quote.notes or "",
            "payment_terms": current_app.config["QUOTE_PAYMENT_TERMS"]
            or PAYMENT_TERMS["quote"]}


def _lines(quote: Quote | None) -> list[dict]:
    if quote is None:
        return []
    currency = quote.currency
    return [{"position": line.position, "code": line.code,
             "name": f"{line.name_zh} {line.name_en}" if line.name_zh != line.name_en
             else line.name_en,
             "name_en": line.name_en, "name_zh": line.name_zh, "unit": line.unit,
             "quantity": quantity(line.quantity),
             "unit_price": money(line.unit_price, currency),
             "discount_pct": percent(line.discount_pct), "gross": money(line.gross, currency),
             "discount": money(line.discount, currency), "net": money(line.net, currency),
             "tax_rate": percent(line.tax_rate), "tax": money(line.tax, currency),
             "total": money(line.total, currency)} for line in quote.lines]


def for_quote(quote: Quote, language: str) -> dict:
    opportunity = db.session().get(Opportunity, quote.opportunity_id)
    return {"language": language, "company": company(), "customer": _customer(opportunity),
            "owner": _person(opportunity.owner), "quote": _quote(quote, language),
            "lines": _lines(quote)}


def for_contract(contract: Contract, language: str) -> dict:
    """The contract with its quote's lines (if it came from one) and the approvals of its
    last round, in order."""
    session = db.session()
    opportunity = session.get(Opportunity, contract.opportunity_id)
    quote = session.get(Quote, contract.quote_id) if contract.quote_id else None
    currency = contract.currency
    steps = [s for s in contracts.trail_steps(contract) if s["round"] == contract.round
             and s["decision"] is not None]
    return {
        "language": language, "company": company(), "customer": _customer(opportunity),
        "owner": _person(contract.owner),
        "contract": {"number": contract.number, "date": day(contract.created_at, language),
                     "amount": money(contract.amount, currency), "currency": currency,
                     "start_date": day(contract.start_date, language),
                     "end_date": day(contract.end_date, language),
                     "terms": contract.terms or "",
                     "payment_terms": current_app.config["CONTRACT_PAYMENT_TERMS"]
                     or PAYMENT_TERMS["contract"],
                     "special_discount": contract.special_discount},
        "quote": _quote(quote, language) if quote else {},
        "lines": _lines(quote),
        "approvals": [{"role": ROLE_LABELS.get(s["role"], s["role"]),
                       "name": _person(s["decided_by"])["name"],
                       "decision": DECISIONS.get(s["decision"], s["decision"]),
                       "decided_at": day(s["decided_at"], language),
                       "comment": s["comment"] or ""} for s in steps]}
