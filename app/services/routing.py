"""Who gets a lead: the team the DMN table names, then the team's strategy.

Strategies: ``round_robin`` (a pointer per team, persisted and advanced under the team's row
lock, so it stays fair across restarts and workers), ``least_loaded`` (fewest open leads),
``weighted`` (smooth weighted round-robin, its state persisted per member), and ``pool``.
Every strategy skips members who are inactive, on leave or at their daily cap; when nobody in
the team can take the lead it goes to the team lead, then to the pool. Every assignment
records why (``Lead.routing``): the DMN inputs and rule, the strategy, each candidate and what
was decided about them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import func, select

from .. import db
from ..models.lead import OPEN_LEAD_STATUSES, Lead, LeadEvent, Team
from ..models.user import User
from . import clock, teams

STRATEGIES = ("round_robin", "least_loaded", "weighted", "pool")
LOAD_STATUSES = tuple(s for s in OPEN_LEAD_STATUSES if s not in ("new", "pool"))


@dataclass
class Candidate:
    username: str
    position: int
    weight: int = 1
    active: bool = True
    on_leave: bool = False
    daily_cap: int | None = None
    eligible: bool = True
    why: str = ""
    load: int = 0
    today: int = 0

    def judge(self) -> bool:
        """May they take a lead now? Judged again after every choice (caps fill up)."""
        self.eligible, self.why = True, ""
        if not self.active:
            self.eligible, self.why = False, "inactive"
        elif self.on_leave:
            self.eligible, self.why = False, "on leave"
        elif self.daily_cap is not None and self.today >= self.daily_cap:
            self.eligible = False
            self.why = f"daily cap reached ({self.today}/{self.daily_cap})"
        return self.eligible

    def take(self) -> None:
        self.load += 1
        self.today += 1

    def as_dict(self) -> dict:
        return {"username": self.username, "eligible": self.eligible, "why": self.why,
                "open_leads": self.load, "assigned_today": self.today}


@dataclass
class TeamState:
    """What a strategy needs to know about a team; the preview works on a copy of it."""

    team: Team
    candidates: list[Candidate] = field(default_factory=list)
    rr_position: int = -1
    current_weights: dict[str, int] = field(default_factory=dict)


def day_start(now: datetime) -> datetime:
    return datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)


def team_state(team: Team, now: datetime) -> TeamState:
    """The members with their loads, today's assignments and who may take a lead."""
    names = [m.username for m in team.members]
    session = db.session()
    loads = dict(session.execute(
        select(Lead.owner, func.count()).where(Lead.owner.in_(names),
                                               Lead.status.in_(LOAD_STATUSES))
        .group_by(Lead.owner)).all()) if names else {}
    today = assigned_today(now)
    active = {u.username: u.active for u in session.scalars(
        select(User).where(User.username.in_(names)))} if names else {}
    state = TeamState(team, rr_position=team.rr_position,
                      current_weights={m.username: m.current_weight for m in team.members})
    for member in team.members:
        state.candidates.append(Candidate(
            member.username, member.position, member.weight,
            active=bool(active.get(member.username)), on_leave=member.on_leave,
            daily_cap=member.daily_cap, load=loads.get(member.username, 0),
            today=today.get(member.username, 0)))
    return state


def assigned_today(now: datetime) -> Counter:
    """How many leads each person was given today, by any route (routing, dispatch, claim,
    reassignment), including leads they no longer hold: the daily cap counts assignments."""
    return Counter(data.get("owner") for data in db.session().scalars(
        select(LeadEvent.data).where(LeadEvent.kind == "assigned",
                                     LeadEvent.at >= day_start(now))))


def choose(state: TeamState, strategy: str) -> Candidate | None:
    """Pick among the eligible members; advances the state (pointer, weights, counts)."""
    eligible = [c for c in state.candidates if c.judge()]
    if not eligible:
        return None
    if strategy == "least_loaded":
        chosen = min(eligible, key=lambda c: (c.load, c.today, c.position))
        chosen.why = f"fewest open leads ({chosen.load})"
    elif strategy == "weighted":
        total = sum(c.weight for c in eligible)
        for c in eligible:
            state.current_weights[c.username] = state.current_weights.get(c.username, 0) + c.weight
        chosen = max(eligible, key=lambda c: (state.current_weights[c.username], -c.position))
        state.current_weights[chosen.username] -= total
        chosen.why = f"weighted turn (weight {chosen.weight} of {total})"
    else:  # round_robin
        ordered = sorted(eligible, key=lambda c: c.position)
        chosen = next((c for c in ordered if c.position > state.rr_position), ordered[0])
        state.rr_position = chosen.position
        chosen.why = "next in turn"
    chosen.take()
    return chosen


def fallback(state: TeamState, now: datetime) -> Candidate | None:
    """The team lead, when nobody in the team can take the lead, judged like a member (active,
    not on leave, under their cap); advances their count, as ``choose`` does."""
    lead_name = state.team.lead_username
    if not lead_name:
        return None
    candidate = next((c for c in state.candidates if c.username == lead_name), None)
    if candidate is None:  # a team lead from outside the team: no leave or cap of theirs here
        user = db.session().scalar(select(User).where(User.username == lead_name))
        candidate = Candidate(lead_name, -1, active=bool(user and user.active),
                              today=assigned_today(now)[lead_name])
    if not candidate.judge():
        return None
    candidate.take()
    return candidate


@dataclass
class Outcome:
    owner: str | None
    team: str | None
    explanation: dict


def decide_owner(team_key: str | None, strategy: str | None, explanation: dict,
                 state: TeamState | None = None) -> tuple[Outcome, TeamState | None]:
    """The owner for a lead routed to ``team_key`` with ``strategy`` (None: the pool)."""
    now = clock.now()
    explanation = {**explanation, "team": team_key, "strategy": strategy}
    team = state.team if state is not None else teams.find(team_key)
    if team_key in (None, "", "pool") or strategy == "pool":
        return Outcome(None, None, {**explanation, "result": "pool",
                                    "why": "the table sends it to the pool"}), state
    if team is None:
        return Outcome(None, None, {**explanation, "result": "pool",
                                    "why": f"team {team_key!r} does not exist"}), state
    if strategy not in STRATEGIES:
        return Outcome(None, team.key, {**explanation, "result": "pool",
                                        "why": f"unknown strategy {strategy!r}"}), state
    state = state or team_state(team, now)
    chosen = choose(state, strategy)
    considered = [c.as_dict() for c in state.candidates]
    if chosen is not None:
        return Outcome(chosen.username, team.key, {**explanation, "result": "member",
                                                   "candidates": considered}), state
    team_lead = fallback(state, now)
    if team_lead is not None:
        return Outcome(team_lead.username, team.key, {
            **explanation, "result": "team_lead", "candidates": considered,
            "why": "nobody in the team could take it: the team lead"}), state
    return Outcome(None, team.key, {**explanation, "result": "pool", "candidates": considered,
                                    "why": "nobody in the team nor its lead could take it"}), state


def locked_team(team_key: str | None) -> Team | None:
    """The team row, locked: the round-robin pointer and the weights move one at a time.

    A person in two teams has one daily cap: their cap is locked too (by name, in name order,
    so two routings never wait on each other in a circle)."""
    if not team_key:
        return None
    team = db.session().scalar(select(Team).where(Team.key == team_key).with_for_update()
                               .execution_options(populate_existing=True))
    if team is not None:
        for name in sorted(m.username for m in team.members if m.daily_cap is not None):
            db.serialize(f"lead-cap:{name}")
    return team


def save_state(state: TeamState) -> None:
    state.team.rr_position = state.rr_position
    for member in state.team.members:
        member.current_weight = state.current_weights.get(member.username, 0)


def preview(source, *, leads: list[Lead], version: int | None) -> dict:
    """Replay a lead_assignment table against stored leads: who would have received them.

    Strategies run on a copy of each team's state (today's loads, caps, the round-robin
    pointer, the weights) advanced lead by lead, so a round-robin spreads as it would; nothing
    is saved.
    """
    from .. import engine

    evaluate = engine.decision_evaluator(source, DECISION_ID, clock.now)
    states: dict[str, TeamState] = {}
    items, by_team, by_owner, changed = [], {}, {}, 0
    for lead in leads:
        inputs = {"region": lead.region, "industry": lead.industry,
                  "product_interest": lead.product_interest,
                  "company_size": lead.company_size, "source": lead.source}
        try:
            result = evaluate(inputs)
        except engine.DecisionFailed as exc:
            items.append({"lead_id": lead.id, "name": lead.name, "error": str(exc)})
            continue
        team_key = result["outputs"].get("team")
        strategy = result["outputs"].get("strategy")
        state = states.get(team_key)
        if state is None and team_key not in (None, "", "pool"):
            team = teams.find(team_key)
            state = team_state(team, clock.now()) if team else None
        rule = (result["matched_rules"] or [None])[0]
        outcome, state = decide_owner(team_key, strategy, {"rule": rule}, state)
        if state is not None:
            states[team_key] = state
        was = {"team": lead.team, "owner": lead.owner}
        would = {"team": outcome.team or "pool", "strategy": strategy, "rule": rule,
                 "owner": outcome.owner}
        changed += (was["owner"], was["team"] or "pool") != (would["owner"], would["team"])
        by_team[would["team"]] = by_team.get(would["team"], 0) + 1
        key = would["owner"] or "(pool)"
        by_owner[key] = by_owner.get(key, 0) + 1
        items.append({"lead_id": lead.id, "name": lead.name, "inputs": inputs, "current": was,
                      "preview": would})
    return {"decision_id": DECISION_ID, "version": version, "leads": len(leads),
            "changed": changed, "by_team": by_team, "by_owner": by_owner, "items": items}


DECISION_ID = "lead_assignment"
