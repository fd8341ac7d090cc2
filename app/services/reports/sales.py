"""Reports on leads and deals: the conversion funnel, the weighted forecast with win rates per
stage, the leaderboard, and attribution of conversion and cycle time to channel, team,
product or campaign.

Every figure is read from the recorded history (lead events, stage changes, quotes and their
documents, contracts), so "how many leads reached the won stage" stays answerable after a deal
moved on. The database counts and sums (GROUP BY, correlated EXISTS, ``sql.percentiles``);
Python only finishes each group (rates, cents to Decimal, merging figures of one person).

Money is summed as integer cents in SQL: SQLite keeps NUMERIC columns as floats, and integer
arithmetic is the one way both databases give the same cent (a weighted amount is rounded
half-up per deal as ``(cents x probability in hundredths + 5000) // 10000``). Nothing converts
between currencies, so every amount is per currency.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import and_, case, distinct, exists, false, func, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import ColumnElement, Select, Subquery

from ... import db
from ...errors import Invalid
from ...models.customer import Account, Opportunity
from ...models.deal import Contract, PipelineStage, Quote, StageChange
from ...models.document import Document
from ...models.lead import Lead, LeadEvent
from .common import (
    HOUR,
    Filters,
    Report,
    deal_filters,
    fetch_rows,
    for_person,
    from_lead,
    in_period,
    rate,
)
from .sql import cents, month_of, percentiles, seconds_between, weighted_cents

NO_DATE = "no_date"
DAY = 86400.0
ASSIGNMENT_KINDS = ("assigned", "dispatched", "claimed", "reassigned")
APPROVED_CONTRACT = ("approved", "signed")
FUNNEL_STEPS = ("lead", "qualified", "opportunity", "quote_sent", "contract_approved", "won")
ATTRIBUTIONS = {"channel": Lead.source, "team": Lead.team, "product": Lead.product_interest,
                "campaign": Lead.campaign}
ATTRIBUTION_COLUMNS = {"channel": "the lead's source", "team": "the lead's team",
                       "product": "the lead's product interest", "campaign": "the lead's campaign"}

LEAD_FILTERS = ("lead-based figures: team = the lead's team, owner = the lead's owner, channel "
                "= the lead's source, product = the lead's product interest")
DEAL_FILTERS = ("deal-based figures: team and owner = the opportunity's; channel and product = "
                "the source and product interest of the lead it came from (a deal without a "
                "lead matches no channel or product filter)")
SCOPE = "a sales rep counts only their own records, a manager those of their teams' people"
PERIOD = "from / to are UTC days, to included"
CURRENCIES = "amounts are per currency (nothing is converted), summed in cents"
FIRST_WON = ("a deal is won when it has a stage change into a won stage; its won date is its "
             "first such change (a deal reopened later stays won at that date)")


# -- shared SQL pieces -------------------------------------------------------------------------

def _lead_attributes(f: Filters) -> list[ColumnElement[bool]]:
    """team, channel and product on the lead; apart from the owner, since calls credit the
    caller rather than the lead's owner."""
    found = []
    if f.team:
        found.append(Lead.team == f.team)
    if f.channel:
        found.append(Lead.source == f.channel)
    if f.product:
        found.append(Lead.product_interest == f.product)
    return found


def _lead_filters(f: Filters) -> list[ColumnElement[bool]]:
    """Lead-based figures: every filter on the lead itself."""
    return [*_lead_attributes(f), *for_person(Lead.owner, f)]


def _won_keys() -> Select:
    return select(PipelineStage.key).where(PipelineStage.is_won)


def _first_won() -> Subquery:
    """(opportunity_id, won_at): each deal's first stage change into a won stage."""
    return (select(StageChange.opportunity_id.label("opportunity_id"),
                   func.min(StageChange.changed_at).label("won_at"))
            .where(StageChange.to_stage.in_(_won_keys()))
            .group_by(StageChange.opportunity_id).subquery("first_won"))


def _money(cents) -> Decimal:
    return (Decimal(int(cents or 0)) / 100).quantize(Decimal("0.01"))


def _last_none(value) -> tuple:
    """A sort key: values in order, None (no team, no date) last."""
    return (value is None, value if value is not None else "")


# -- the funnel ------------------------------------------------------------------------------

def funnel(f: Filters) -> Report:
    """How far the leads created in the period got, whatever happened to them since: one
    query over the cohort, each step a correlated EXISTS into the history."""
    # the deal's quotes first, then their documents: nested, so the planner cannot start
    # from every quote document for every lead
    quote_document = (select(Quote.id).where(
        Quote.opportunity_id == Lead.opportunity_id,
        exists().where(Document.record_type == "quote", Document.record_id == Quote.id,
                       Document.kind == "quote")))
    reached = {
        "qualified": exists().where(LeadEvent.lead_id == Lead.id, LeadEvent.kind == "called",
                                    LeadEvent.data["intent"].as_string() == "high"),
        "opportunity": Lead.opportunity_id.is_not(None),
        "quote_sent": exists(quote_document),
        "contract_approved": exists().where(Contract.opportunity_id == Lead.opportunity_id,
                                            Contract.status.in_(APPROVED_CONTRACT)),
        "won": exists().where(StageChange.opportunity_id == Lead.opportunity_id,
                              StageChange.to_stage.in_(_won_keys())),
    }
    counts = db.session().execute(
        select(func.count().label("lead"),
               *[func.count(case((condition, 1))).label(step)
                 for step, condition in reached.items()])
        .where(*_lead_filters(f), *in_period(Lead.created_at, f))).one()._mapping
    steps, previous = [], None
    for step in FUNNEL_STEPS:
        count = counts[step]
        steps.append({"step": step, "count": count,
                      "rate_from_previous": None if previous is None else rate(count, previous),
                      "rate_overall": rate(count, counts["lead"])})
        previous = count
    return Report("funnel", f, {
        "cohort": f"the leads created in the period ({PERIOD}); each step counts the cohort "
                  "leads that reached it at any time since, whether or not they passed the "
                  "step before (a lead converted without a recorded high-intent call counts "
                  "as an opportunity but not as qualified)",
        "lead": "every lead of the cohort",
        "qualified": "the lead has a 'called' event with intent 'high'",
        "opportunity": "the lead was converted (it has an opportunity)",
        "quote_sent": "a quote of the lead's opportunity has a rendered quote document",
        "contract_approved": "a contract of the lead's opportunity is approved or signed",
        "won": "the lead's opportunity has a stage change into a won stage",
        "rate_from_previous": "count / the previous step's count (none for the first step, "
                              "or when that count is 0)",
        "rate_overall": "count / the cohort's leads (none when there are none)",
        "filters": f"{LEAD_FILTERS}; {SCOPE}",
    }, {"steps": steps})


# -- the forecast ------------------------------------------------------------------------------

def forecast(f: Filters) -> Report:
    """The weighted open pipeline by expected close month, won amounts by month, and the win
    rate of the deals that reached each stage."""
    return Report("forecast", f, {
        "pipeline": "open deals (stage neither won nor lost, as they are now) by the month "
                    f"(YYYY-MM) of their expected close date ('{NO_DATE}': none) and currency; "
                    "with from / to, only deals expected to close between them (so none "
                    f"without a date); {CURRENCIES}",
        "weighted": "per deal amount x probability / 100 (its own override, else its stage's "
                    "probability) rounded half-up to cents, then summed; no amount counts 0",
        "won": f"deals won in the period (all time without from / to) by the month of their "
               f"won date and currency: count and amount; {FIRST_WON}",
        "win_rates": "per configured stage in board order: reached = deals with a stage change "
                     "into it (in the period, if given); won = of those, the deals that ever "
                     "had a stage change into a won stage; win_rate = won / reached",
        "filters": f"{DEAL_FILTERS}; {SCOPE}; {PERIOD}",
    }, {"pipeline": _pipeline(f), "won": _won_by_month(f), "win_rates": _win_rates(f)})


def _pipeline(f: Filters) -> list[dict]:
    probability = func.coalesce(Opportunity.probability, PipelineStage.probability)
    weighted = weighted_cents(Opportunity.amount, probability)
    month = month_of(Opportunity.expected_close_date)
    dates = []
    if f.date_from:
        dates.append(Opportunity.expected_close_date >= f.date_from)
    if f.date_to:
        dates.append(Opportunity.expected_close_date <= f.date_to)
    rows = fetch_rows(
        select(month.label("month"), Opportunity.currency.label("currency"),
               func.count().label("count"), func.sum(cents(Opportunity.amount)).label("amount"),
               func.sum(weighted).label("weighted"))
        .join(PipelineStage, PipelineStage.key == Opportunity.stage)
        .where(PipelineStage.is_won == false(), PipelineStage.is_lost == false(),
               *deal_filters(f), *dates)
        .group_by(month, Opportunity.currency))
    return sorted(({"month": row["month"] or NO_DATE, "currency": row["currency"],
                    "count": row["count"], "amount": _money(row["amount"]),
                    "weighted": _money(row["weighted"])} for row in rows),
                  key=lambda row: (row["month"] == NO_DATE, row["month"], row["currency"]))


def _won_by_month(f: Filters) -> list[dict]:
    won = _first_won()
    month = month_of(won.c.won_at)
    rows = fetch_rows(
        select(month.label("month"), Opportunity.currency.label("currency"),
               func.count().label("count"), func.sum(cents(Opportunity.amount)).label("amount"))
        .join(won, won.c.opportunity_id == Opportunity.id)
        .where(*in_period(won.c.won_at, f), *deal_filters(f))
        .group_by(month, Opportunity.currency))
    return sorted(({**row, "amount": _money(row["amount"])} for row in rows),
                  key=lambda row: (row["month"], row["currency"]))


def _win_rates(f: Filters) -> list[dict]:
    won = _first_won()
    reached = (
        select(StageChange.to_stage.label("stage"),
               func.count(distinct(StageChange.opportunity_id)).label("reached"),
               func.count(distinct(case((won.c.won_at.is_not(None),
                                         StageChange.opportunity_id)))).label("won"))
        .join(Opportunity, Opportunity.id == StageChange.opportunity_id)
        .outerjoin(won, won.c.opportunity_id == StageChange.opportunity_id)
        .where(*in_period(StageChange.changed_at, f), *deal_filters(f))
        .group_by(StageChange.to_stage).subquery("reached"))
    rows = fetch_rows(
        select(PipelineStage.key.label("stage"), func.coalesce(reached.c.reached, 0)
               .label("reached"), func.coalesce(reached.c.won, 0).label("won"),
               PipelineStage.probability.label("configured_probability"))
        .outerjoin(reached, reached.c.stage == PipelineStage.key)
        .order_by(PipelineStage.position, PipelineStage.key))
    return [{"stage": row["stage"], "reached": row["reached"], "won": row["won"],
             "win_rate": rate(row["won"], row["reached"]),
             "configured_probability": Decimal(row["configured_probability"]).quantize(
                 Decimal("0.01"))} for row in rows]


# -- the leaderboard -------------------------------------------------------------------------

def leaderboard(f: Filters) -> Report:
    """Per person and per team over the period: deals won and their amounts, new customers,
    leads worked and how fast they were first called."""
    return Report("leaderboard", f, {
        "people": "one row per person with a figure in the period; person = the deal's owner "
                  "(won), the customer's owner (new customers), the caller (leads handled, "
                  "first response); null: records without one",
        "teams": "one row per team; team = the record's team column: the deal's, the "
                 "customer's, the lead's (leads handled, first response); null: none",
        "people_won": f"one row per person and currency: deals_won, won_amount; {CURRENCIES}",
        "teams_won": f"one row per team and currency: deals_won, won_amount; {CURRENCIES}",
        "deals_won": f"deals whose won date is in the period (all currencies); {FIRST_WON}",
        "won_amount": "the sum of those deals' amounts (no amount counts 0)",
        "new_customers": "customers (accounts) created in the period",
        "leads_handled": "distinct leads with a 'called' event by the person in the period",
        "median_first_response_hours": "per lead whose first 'called' event is in the period: "
                                       "hours from its first assignment (assigned, "
                                       "dispatched, claimed, reassigned) at or before that "
                                       "call to the call, credited to the caller; the median "
                                       "over those leads (leads never assigned before the "
                                       "call are left out); first_responses = how many",
        "filters": "the owner filter and the scope apply to the person credited (deal owner, "
                   "customer owner, caller); team, channel and product: deals as in the "
                   f"forecast ({DEAL_FILTERS}), customers likewise (the customer's team, the "
                   "lead it came from), calls on the called lead (its team, source, product "
                   f"interest); {SCOPE}; {PERIOD}",
    }, {**_board(f, person=True), **_board(f, person=False)})


def _board(f: Filters, *, person: bool) -> dict[str, list[dict]]:
    """The people's (or the teams') section and their won amounts per currency."""
    name = "person" if person else "team"
    won = _first_won()
    key = Opportunity.owner if person else Opportunity.team
    won_rows = fetch_rows(
        select(key.label(name), Opportunity.currency.label("currency"),
               func.count().label("deals_won"),
               func.sum(cents(Opportunity.amount)).label("won_amount"))
        .join(won, won.c.opportunity_id == Opportunity.id)
        .where(*in_period(won.c.won_at, f), *deal_filters(f))
        .group_by(key, Opportunity.currency))
    key = Account.owner if person else Account.team
    customers = dict(db.session().execute(
        select(key, func.count())
        .where(*in_period(Account.created_at, f), *for_person(Account.owner, f),
               *([Account.team == f.team] if f.team else []),
               *from_lead(f, Account.source_lead_id))
        .group_by(key)).all())
    key = LeadEvent.by if person else Lead.team
    handled = dict(db.session().execute(
        select(key, func.count(distinct(LeadEvent.lead_id)))
        .join(Lead, Lead.id == LeadEvent.lead_id)
        .where(LeadEvent.kind == "called", *in_period(LeadEvent.at, f),
               *for_person(LeadEvent.by, f), *_lead_attributes(f))
        .group_by(key)).all())
    responses = {group[0]: figures for group, figures in percentiles(
        _first_responses(f), [name], "hours", points=(0.5,)).items()}

    totals: dict = {}
    for row in won_rows:
        totals[row[name]] = totals.get(row[name], 0) + row["deals_won"]
    people = set(totals) | set(customers) | set(handled) | set(responses)
    rows = [{name: who, "deals_won": totals.get(who, 0),
             "new_customers": customers.get(who, 0), "leads_handled": handled.get(who, 0),
             "first_responses": responses.get(who, {}).get("count", 0),
             "median_first_response_hours": responses.get(who, {}).get(0.5)}
            for who in people]
    rows.sort(key=lambda row: (-row["deals_won"], -row["new_customers"],
                               *_last_none(row[name])))
    money = sorted(({**row, "won_amount": _money(row["won_amount"])} for row in won_rows),
                   key=lambda row: (row["currency"], -row["won_amount"],
                                    *_last_none(row[name])))
    section = "people" if person else "teams"
    return {section: rows, f"{section}_won": money}


def _first_responses(f: Filters) -> Select:
    """(person, team, hours) per lead whose first call is in the period: a call with no
    earlier call of the same lead, so only the period's calls are read (lead_events by kind
    and time), each looking back at its own lead."""
    call, earlier, assignment = aliased(LeadEvent), aliased(LeadEvent), aliased(LeadEvent)
    first_assigned = (select(func.min(assignment.at))
                      .where(assignment.lead_id == call.lead_id,
                             assignment.kind.in_(ASSIGNMENT_KINDS), assignment.at <= call.at)
                      .scalar_subquery())
    no_earlier_call = ~exists().where(
        earlier.lead_id == call.lead_id, earlier.kind == "called",
        (earlier.at < call.at) | and_(earlier.at == call.at, earlier.id < call.id))
    return (select(call.by.label("person"), Lead.team.label("team"),
                   (seconds_between(first_assigned, call.at) / HOUR).label("hours"))
            .join(Lead, Lead.id == call.lead_id)
            .where(call.kind == "called", *in_period(call.at, f), no_earlier_call,
                   *for_person(call.by, f), *_lead_attributes(f)))


# -- attribution ------------------------------------------------------------------------------

def attribution(f: Filters, by: str) -> Report:
    """Conversion, won amounts and cycle time of the period's leads, grouped by channel,
    team, product or campaign."""
    if by not in ATTRIBUTIONS:
        raise Invalid(f"by is one of {', '.join(ATTRIBUTIONS)}",
                      fields={"by": [f"one of {', '.join(ATTRIBUTIONS)}"]})
    # each lead looks up its deal's first win through the (to_stage, opportunity_id,
    # changed_at) index: a join with every deal's first win let SQLite's planner wander
    # (minutes on 100,000 leads for some filters)
    won_at = (select(func.min(StageChange.changed_at))
              .where(StageChange.to_stage.in_(_won_keys()),
                     StageChange.opportunity_id == Lead.opportunity_id)
              .correlate(Lead).scalar_subquery())
    cohort = (select(ATTRIBUTIONS[by].label(by), Lead.created_at.label("created_at"),
                     won_at.label("won_at"), Opportunity.currency.label("currency"),
                     cents(Opportunity.amount).label("cents"))
              .outerjoin(Opportunity, Opportunity.id == Lead.opportunity_id)
              .where(*_lead_filters(f), *in_period(Lead.created_at, f)).subquery("cohort"))
    group = cohort.c[by]
    counts = fetch_rows(select(group.label(by), func.count().label("leads"),
                          func.count(cohort.c.won_at).label("won")).group_by(group))
    amounts = fetch_rows(select(group.label(by), cohort.c.currency, func.count().label("won"),
                           func.sum(cohort.c.cents).label("won_amount"))
                    .where(cohort.c.won_at.is_not(None)).group_by(group, cohort.c.currency))
    cycles = percentiles(
        select(group.label(by),
               (seconds_between(cohort.c.created_at, cohort.c.won_at) / DAY).label("days"))
        .where(cohort.c.won_at.is_not(None)), [by], "days", points=(0.5,))
    groups = sorted(({by: row[by], "leads": row["leads"], "won": row["won"],
                      "conversion_rate": rate(row["won"], row["leads"]),
                      "median_cycle_days": cycles.get((row[by],), {}).get(0.5)}
                     for row in counts), key=lambda row: _last_none(row[by]))
    won_amounts = sorted(({**row, "won_amount": _money(row["won_amount"])} for row in amounts),
                         key=lambda row: (*_last_none(row[by]), row["currency"]))
    return Report("attribution", f, {
        "cohort": f"the leads created in the period ({PERIOD}), grouped by {by} "
                  f"({ATTRIBUTION_COLUMNS[by]}; null: none)",
        "leads": "the cohort's leads in the group",
        "won": f"of those, the leads whose opportunity was won (at any time); {FIRST_WON}",
        "conversion_rate": "won / leads",
        "median_cycle_days": "the median of the days from the lead's creation to its "
                             "opportunity's won date, over the won leads",
        "won_amounts": f"per group and currency: won leads and the sum of their "
                       f"opportunities' amounts; {CURRENCIES}",
        "filters": f"{LEAD_FILTERS}; {SCOPE}",
    }, {"groups": groups, "won_amounts": won_amounts}, extra={"by": by})
