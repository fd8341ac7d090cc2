"""After the sale: the after_sales process of a won deal, its satisfaction survey (a public
link with a signed token, answered once) and the repurchase / renewal opportunities it opens.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from .. import db
from ..errors import Conflict, Gone, Invalid, NotFound
from ..models.customer import Account, Contact, Opportunity
from ..models.deal import Contract, Survey
from ..models.instance import ProcessInstance
from . import clock, definitions, messages, notifications, pipeline, teams, timeline
from .instances import start_definition

PROCESS = "after_sales"
ANSWERED_MESSAGE = "survey_answered"
SCORES = range(1, 6)


def business_key(opportunity_id: int) -> str:
    return f"opportunity:{opportunity_id}"


def start_for(contract: Contract) -> None:
    """Start the won deal's after-sales process (once per opportunity)."""
    session = db.session()
    opportunity = session.get(Opportunity, contract.opportunity_id)
    started = session.scalar(select(ProcessInstance.id).where(
        ProcessInstance.process_key == PROCESS,
        ProcessInstance.business_key == business_key(opportunity.id)).limit(1))
    if started is not None:
        return
    config = current_app.config
    renewal_at = None
    if contract.end_date is not None:
        day = contract.end_date - timedelta(days=config["RENEWAL_NOTICE_DAYS"])
        renewal_at = datetime.combine(day, time(1, 0), tzinfo=UTC).isoformat()
    start_definition(
        definitions.process(PROCESS), user=None, business_key=business_key(opportunity.id),
        variables={"opportunity_id": opportunity.id, "account_id": opportunity.account_id,
                   "contract_id": contract.id, "owner": opportunity.owner,
                   "manager": _manager_of(opportunity),
                   "survey_days": config["SURVEY_DELAY_DAYS"],
                   "survey_valid_days": config["SURVEY_VALID_DAYS"],
                   "renewal_at": renewal_at})


def _manager_of(opportunity: Opportunity) -> str | None:
    team = teams.find(opportunity.team or teams.team_of(opportunity.owner or ""))
    return team.manager_username if team else None


# -- the survey ------------------------------------------------------------------------------

def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="satisfaction-survey")


def token_for(survey: Survey) -> str:
    """The link's token: the survey and its nonce, signed with the service's secret key, so
    that nobody can guess another customer's link or forge one."""
    return _signer().dumps({"survey": survey.id, "nonce": survey.nonce})


def link_for(survey: Survey) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/surveys/{token_for(survey)}"


def send_survey(opportunity_id: int, instance_id: int | None) -> Survey:
    """Create the survey and mail its link to the deal's contact (or the customer's first
    contact with an email). No address: the survey exists, and nobody is mailed."""
    session = db.session()
    opportunity = session.get(Opportunity, opportunity_id)
    if opportunity is None:
        raise ValueError(f"opportunity {opportunity_id} does not exist")
    account = session.get(Account, opportunity.account_id)
    contact = _contact_to_ask(opportunity)
    now = clock.now()
    survey = Survey(opportunity_id=opportunity.id, account_id=account.id,
                    contact_id=contact.id if contact else None, instance_id=instance_id,
                    nonce=secrets.token_urlsafe(24),
                    language=current_app.config["NOTIFY_LANGUAGE"],
                    expires_at=now + timedelta(days=current_app.config["SURVEY_VALID_DAYS"]),
                    created_at=now)
    session.add(survey)
    session.flush()
    if contact is not None and contact.email:
        notifications.notify(
            [f"email:{contact.email}"], "satisfaction_survey",
            {"customer": account.name, "contact": contact.name, "deal": opportunity.name,
             "link": link_for(survey), "expires": survey.expires_at.date().isoformat()},
            channels=["email"], store_data=False)
    return survey


def _contact_to_ask(opportunity: Opportunity) -> Contact | None:
    session = db.session()
    if opportunity.contact_id is not None:
        contact = session.get(Contact, opportunity.contact_id)
        if contact is not None and contact.email:
            return contact
    return session.scalar(select(Contact).where(
        Contact.account_id == opportunity.account_id, Contact.email.is_not(None))
        .order_by(Contact.id).limit(1))


def survey_for_token(token: str) -> Survey:
    """The survey the link is for; NotFound for a link we did not sign (or a stale nonce)."""
    try:
        claims = _signer().loads(token)
    except BadSignature:
        raise NotFound("this survey link is not valid") from None
    survey = db.session().get(Survey, claims.get("survey")) if isinstance(claims, dict) else None
    if survey is None or survey.nonce != claims.get("nonce"):
        raise NotFound("this survey link is not valid")
    return survey


def answer(token: str, score: object, comment: object) -> Survey:
    """Record the one answer of the link and tell the waiting process; a second answer, or
    one after the link expired, is refused and changes nothing."""
    survey = survey_for_token(token)
    if survey.answered_at is not None:
        raise Conflict("this survey was answered already: thank you")
    if clock.now() >= survey.expires_at:
        raise Gone("this survey link has expired")
    value = _score(score)
    text = (comment or "").strip() if isinstance(comment, str) else None
    if comment is not None and not isinstance(comment, str):
        raise Invalid("the comment is text", fields={"comment": ["must be text"]})
    if text and len(text) > 4000:
        raise Invalid("the comment is too long", fields={"comment": ["at most 4000 characters"]})
    if survey.instance_id is not None:
        messages.deliver_to(survey.instance_id, ANSWERED_MESSAGE,
                            {"score": value, "survey_comment": text or None})
    # the instance lock is held now: a second answer racing this one waits, then sees this one
    survey = db.locked(Survey, survey.id, "survey")
    if survey.answered_at is not None:
        raise Conflict("this survey was answered already: thank you")
    survey.score, survey.comment, survey.answered_at = value, text or None, clock.now()
    return survey


def _score(value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value not in SCORES:
        raise Invalid("the score is a whole number from 1 to 5",
                      fields={"score": ["a whole number from 1 to 5"]})
    return value


# -- opportunities it opens ------------------------------------------------------------------

def open_opportunity(opportunity_id: int, kind: str) -> Opportunity:
    """A repurchase (a happy customer) or renewal (a contract ending) opportunity for the
    owner of the won deal."""
    session = db.session()
    won = session.get(Opportunity, opportunity_id)
    if won is None:
        raise ValueError(f"opportunity {opportunity_id} does not exist")
    account = session.get(Account, won.account_id)
    label = {"repurchase": "repurchase", "renewal": "renewal",
             "cross_sell": "cross-sell"}.get(kind)
    if label is None:
        raise ValueError(f"kind {kind!r} is not repurchase, renewal or cross_sell")
    return pipeline.new_opportunity(
        account, name=f"{won.name}: {label}", owner=won.owner, by=None,
        currency=won.currency, contact=session.get(Contact, won.contact_id)
        if won.contact_id else None, products_of_interest=list(won.products_of_interest or ()),
        kind=kind, parent_id=won.id)


@timeline.source("surveys")
def survey_items(account: Account, _lead_ids, _instance_ids) -> list[timeline.TimelineItem]:
    rows = db.session().scalars(select(Survey).where(Survey.account_id == account.id)
                                .order_by(Survey.id))
    items = []
    for row in rows:
        ref = {"type": "survey", "id": row.id}
        items.append(timeline.TimelineItem(
            "survey.sent", row.created_at, None, "Satisfaction survey sent",
            {"opportunity_id": row.opportunity_id, "contact_id": row.contact_id}, ref))
        if row.answered_at is not None:
            items.append(timeline.TimelineItem(
                "survey.answered", row.answered_at, None,
                f"Satisfaction survey answered: {row.score}/5",
                {"opportunity_id": row.opportunity_id, "score": row.score,
                 "comment": row.comment}, ref))
    return items
