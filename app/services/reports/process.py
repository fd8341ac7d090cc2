"""Reports on processes: how long deals sit in each stage and approvals take (cycle times),
where a process waits (per BPMN element and version), and the event log that process-mining
tools (pm4py, Disco, Celonis) read.

Every figure comes from the recorded history: stage changes, the human task table and the
instance events. The database does the counting, ordering and ranking (GROUP BY, LEAD() over
stage changes, ``sql.percentiles``); Python only finishes each group (interpolation, labels).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, and_, case, distinct, exists, func, literal, or_, select
from sqlalchemy.sql.expression import ColumnElement, Select

from ... import db
from ...errors import NotFound
from ...models.customer import Opportunity
from ...models.deal import APPROVER_ROLES, PipelineStage, Quote, StageChange
from ...models.definition import ProcessDefinition
from ...models.document import Document
from ...models.instance import InstanceEvent, ProcessInstance
from ...models.lead import Team, TeamMember
from ...models.task import HumanTask
from .. import clock
from ..contracts import APPROVAL_ELEMENTS
from ..contracts import PROCESS as CONTRACT_PROCESS
from .common import HOUR, Filters, Report, deal_filters, fetch_rows, for_person, in_period, rate
from .sql import percentiles, seconds_between

FIRST_CALL = ("lead_followup", "first_call")
FIRST_CALL_SLA = timedelta(hours=24)
# (process key, element id) -> the approver role deciding it: contract approval steps, then
# the quote's special-discount approvals
APPROVAL_STEPS: dict[tuple[str, str], str] = {
    **{(CONTRACT_PROCESS, element): role for element, role in APPROVAL_ELEMENTS.items()},
    ("quote", "director_discount"): "sales_director",
    ("quote", "finance_discount"): "finance_director",
}
EVENT_LOG_COLUMNS = ("case:concept:name", "concept:name", "time:timestamp", "org:resource",
                     "lifecycle:transition", "process_key", "process_version", "element_id",
                     "business_key")
_CHUNK_ROWS = 500

FILTER_DEFINITIONS = {
    "period": "from/to (UTC days, to included) select by when the measured thing ended: the "
              "stage left, the task completed, the quote document made, the instance event "
              "recorded; first-call SLA selects tasks created in the period; overdue_now "
              "ignores the period (it is now).",
    "owner_team": "Stage times and quote turnaround: the opportunity's owner and team. Task "
                  "figures: the user who completed the task (the assignee while it is open or "
                  "once cancelled); team = that user is a member of the team. A sales rep "
                  "sees only their own figures, a manager their teams' people.",
    "channel_product": "Stage times and quote turnaround: the source and product interest of "
                       "the lead the opportunity came from (opportunities without a lead drop "
                       "out when either is given). Task-only figures (approvals, first-call "
                       "SLA, overdue tasks, process nodes, the event log) ignore them.",
}


# -- shared conditions ------------------------------------------------------------------------

def _people_scope(person: ColumnElement, f: Filters) -> list[ColumnElement]:
    """Conditions on the username ``person`` for figures about tasks."""
    conditions = for_person(person, f)
    if f.team:
        conditions.append(person.in_(
            select(TeamMember.username).join(Team, Team.id == TeamMember.team_id)
            .where(Team.key == f.team)))
    return conditions


def _responsible() -> ColumnElement:
    """Who a task's figures belong to: who completed it, else who holds (held) it."""
    return func.coalesce(HumanTask.completed_by, HumanTask.assignee)


def _case_scope(instance_id: ColumnElement, f: Filters) -> list[ColumnElement]:
    """An instance is someone's when they completed or hold one of its tasks: the cases a
    rep (or a manager's people, a team, an owner) worked on."""
    people = _people_scope(_responsible(), f)
    if not people:
        return []
    return [exists().where(HumanTask.instance_id == instance_id, *people)]


def _figures(found: dict, key: tuple, unit: str) -> dict:
    """count, median and p90 of one group of ``sql.percentiles`` (0 and None when empty)."""
    group = found.get(key) or {}
    return {"count": group.get("count", 0), f"median_{unit}": group.get(0.5),
            f"p90_{unit}": group.get(0.9)}


# -- cycle times --------------------------------------------------------------------------------

def cycle_times(f: Filters) -> Report:
    """Stage durations, approval durations, quote turnaround, first-call SLA, overdue tasks."""
    now = clock.now()
    definitions = {
        **FILTER_DEFINITIONS,
        "stages": "Per stage: time from a stage change into the stage to the next stage change "
                  "of the same opportunity (LEAD(changed_at) over the opportunity's changes "
                  "ordered by time, id), in hours; a stage not left yet is not counted. count, "
                  "median and p90 (linear interpolation, as percentile_cont).",
        "approvals": "Per approval step (contract approval: sales/legal/finance_director_"
                     "approval; quote: director_discount -> sales_director, finance_discount "
                     "-> finance_director): completed tasks, hours from task created to "
                     "completed; count, median, p90.",
        "approval_roles": "The same approval tasks grouped by approver role.",
        "quote_turnaround": "Hours from a quote's creation to its first quote document "
                            "(Document kind quote); count, median, p90.",
        "first_call_sla": "first_call tasks of lead_followup created in the period that are "
                          "completed, or whose 24 h passed while open (still open now, or "
                          "cancelled after 24 h); within_24h: completed at most 24 h after "
                          "creation; rate = within_24h / total.",
        "overdue_now": "Open tasks whose due date is before now, per process, element and "
                       "assignee: count and the oldest due date. No period filter.",
    }
    return Report(name="cycle-times", filters=f, definitions=definitions,
                  extra={"now": now.isoformat()},
                  sections={"stages": _stages(f), **_approvals(f),
                            "quote_turnaround": _quote_turnaround(f),
                            "first_call_sla": _first_call_sla(f, now),
                            "overdue_now": _overdue(f, now)})


def _stages(f: Filters) -> list[dict]:
    left_at = func.lead(StageChange.changed_at, type_=StageChange.changed_at.type).over(
        partition_by=StageChange.opportunity_id,
        order_by=(StageChange.changed_at, StageChange.id))
    # Filtering inside the window is safe only for whole opportunities (the deal filters) and
    # for changes after the period: a stage whose next change is dropped that way was left
    # after the period anyway.
    visits = (select(StageChange.to_stage.label("stage"),
                     StageChange.changed_at.label("entered_at"), left_at.label("left_at"))
              .join(Opportunity, Opportunity.id == StageChange.opportunity_id)
              .where(*deal_filters(f), *([StageChange.changed_at < f.end] if f.end else []))
              .subquery())
    source = (select(visits.c.stage,
                     (seconds_between(visits.c.entered_at, visits.c.left_at) / HOUR)
                     .label("hours"))
              .where(visits.c.left_at.is_not(None), *in_period(visits.c.left_at, f)))
    found = percentiles(source, ["stage"], "hours")
    configured = list(db.session().scalars(select(PipelineStage.key)
                                           .order_by(PipelineStage.position)))
    retired = sorted({key for (key,) in found} - set(configured))
    return [{"stage": key, **_figures(found, (key,), "hours")} for key in configured + retired]


def _approvals(f: Filters) -> dict[str, list[dict]]:
    step = [and_(HumanTask.process_key == key, HumanTask.element_id == element)
            for key, element in APPROVAL_STEPS]
    role = case(*[(condition, literal(role, String)) for condition, role
                  in zip(step, APPROVAL_STEPS.values(), strict=True)])
    source = select(HumanTask.process_key, HumanTask.element_id, role.label("role"),
                    (seconds_between(HumanTask.created_at, HumanTask.completed_at) / HOUR)
                    .label("hours")).where(
        or_(*step), HumanTask.status == "completed", *in_period(HumanTask.completed_at, f),
        *_people_scope(HumanTask.completed_by, f))
    steps = percentiles(source, ["process_key", "element_id", "role"], "hours")
    roles = percentiles(source, ["role"], "hours")
    return {"approvals": [{"process_key": key, "element_id": element, "role": role,
                           **_figures(steps, (key, element, role), "hours")}
                          for (key, element), role in APPROVAL_STEPS.items()],
            "approval_roles": [{"role": role, **_figures(roles, (role,), "hours")}
                               for role in APPROVER_ROLES]}


def _quote_turnaround(f: Filters) -> list[dict]:
    documents = (select(Document.record_id.label("quote_id"),
                        func.min(Document.created_at).label("made_at"))
                 .where(Document.kind == "quote", Document.record_type == "quote")
                 .group_by(Document.record_id).subquery())
    source = (select(literal("quote", String).label("what"),
                     (seconds_between(Quote.created_at, documents.c.made_at) / HOUR)
                     .label("hours"))
              .join_from(Quote, documents, documents.c.quote_id == Quote.id)
              .join(Opportunity, Opportunity.id == Quote.opportunity_id)
              .where(*in_period(documents.c.made_at, f), *deal_filters(f)))
    return [_figures(percentiles(source, ["what"], "hours"), ("quote",), "hours")]


def _first_call_sla(f: Filters, now: datetime) -> list[dict]:
    took = seconds_between(HumanTask.created_at, HumanTask.completed_at)
    limit = FIRST_CALL_SLA.total_seconds()
    counted = or_(HumanTask.status == "completed",
                  and_(HumanTask.status == "open", HumanTask.created_at <= now - FIRST_CALL_SLA),
                  and_(HumanTask.status == "cancelled", took >= limit))
    within = case((and_(HumanTask.status == "completed", took <= limit), 1), else_=0)
    total, inside = db.session().execute(
        select(func.count(), func.coalesce(func.sum(within), 0)).where(
            HumanTask.process_key == FIRST_CALL[0], HumanTask.element_id == FIRST_CALL[1],
            counted, *in_period(HumanTask.created_at, f), *_people_scope(_responsible(), f))
    ).one()
    return [{"total": total, "within_24h": inside, "rate": rate(inside, total)}]


def _overdue(f: Filters, now: datetime) -> list[dict]:
    oldest = func.min(HumanTask.due_at)
    statement = (select(HumanTask.process_key, HumanTask.element_id,
                        func.max(HumanTask.name).label("name"), HumanTask.assignee,
                        func.count().label("count"), oldest.label("oldest_due"))
                 .where(HumanTask.status == "open", HumanTask.due_at < now,
                        *_people_scope(HumanTask.assignee, f))
                 .group_by(HumanTask.process_key, HumanTask.element_id, HumanTask.assignee)
                 .order_by(oldest, HumanTask.process_key, HumanTask.element_id,
                           func.coalesce(HumanTask.assignee, "")))
    return fetch_rows(statement)


# -- process nodes ------------------------------------------------------------------------------

def _require_process(process_key: str) -> None:
    if db.session().scalar(select(ProcessDefinition.id)
                           .where(ProcessDefinition.key == process_key).limit(1)) is None:
        raise NotFound(f"no process {process_key!r} is deployed")


def process_nodes(f: Filters, process_key: str) -> Report:
    """Per definition version and BPMN element: instances that passed it, and for user tasks
    the waiting (created -> claimed) and working (claimed -> completed) seconds."""
    _require_process(process_key)
    session = db.session()
    version = ProcessDefinition.version.label("version")
    passed = session.execute(
        select(version, InstanceEvent.element_id, func.max(InstanceEvent.name).label("name"),
               func.max(InstanceEvent.kind).label("kind"),
               func.count(distinct(InstanceEvent.instance_id)).label("passed"),
               func.min(InstanceEvent.at).label("first_at"),
               func.min(InstanceEvent.id).label("first_id"))
        .join(ProcessInstance, ProcessInstance.id == InstanceEvent.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(ProcessDefinition.key == process_key, *in_period(InstanceEvent.at, f),
               *_case_scope(InstanceEvent.instance_id, f))
        .group_by(ProcessDefinition.version, InstanceEvent.element_id)).all()
    tasks_where = (ProcessDefinition.key == process_key, HumanTask.status == "completed",
                   *in_period(HumanTask.completed_at, f),
                   *_people_scope(HumanTask.completed_by, f))
    tasks = session.execute(
        select(version, HumanTask.element_id, func.max(HumanTask.name).label("name"),
               func.count().label("tasks"))
        .join(ProcessDefinition, ProcessDefinition.id == HumanTask.definition_id)
        .where(*tasks_where).group_by(ProcessDefinition.version, HumanTask.element_id)).all()
    durations = (select(version, HumanTask.element_id,
                        seconds_between(HumanTask.created_at, HumanTask.claimed_at)
                        .label("waiting"),
                        seconds_between(HumanTask.claimed_at, HumanTask.completed_at)
                        .label("working"))
                 .join(ProcessDefinition, ProcessDefinition.id == HumanTask.definition_id)
                 .where(*tasks_where))
    waiting = percentiles(durations, ["version", "element_id"], "waiting")
    working = percentiles(durations, ["version", "element_id"], "working")

    # (version, element) -> the node, and where it sorts: by version, then by the first
    # event (time, id); elements with tasks but no event in the period last, by id
    nodes: dict[tuple, dict] = {}
    order: dict[tuple, tuple] = {}
    for row in passed:
        key = (row.version, row.element_id)
        nodes[key] = {"version": row.version, "element_id": row.element_id, "name": row.name,
                      "kind": row.kind, "passed": row.passed, "tasks": 0}
        order[key] = (row.version, 0, row.first_at.timestamp(), row.first_id, row.element_id)
    for row in tasks:
        key = (row.version, row.element_id)
        if key not in nodes:  # a task completed in the period, its event outside it
            nodes[key] = {"version": row.version, "element_id": row.element_id,
                          "name": row.name, "kind": "UserTask", "passed": 0}
            order[key] = (row.version, 1, 0.0, 0, row.element_id)
        nodes[key]["tasks"] = row.tasks
    rows = []
    for key in sorted(nodes, key=order.__getitem__):
        wait, work = _figures(waiting, key, "seconds"), _figures(working, key, "seconds")
        rows.append({**nodes[key], "waiting_median_seconds": wait["median_seconds"],
                     "waiting_p90_seconds": wait["p90_seconds"],
                     "working_median_seconds": work["median_seconds"],
                     "working_p90_seconds": work["p90_seconds"]})
    definitions = {
        **FILTER_DEFINITIONS,
        "passed": "Distinct instances of the version with an instance event for the element "
                  "(the element completed), the event in the period. For a rep or a team: "
                  "instances where one of their people completed or holds a task.",
        "tasks": "Completed human tasks of the version and element, completed in the period, "
                 "by the people in scope.",
        "waiting": "Seconds from task created to claimed (a task completed without a claim "
                   "counts as claimed at completion); median and p90.",
        "working": "Seconds from claimed to completed; median and p90.",
        "order": "By version, then by the element's first appearance in the events.",
    }
    return Report(name="process-nodes", filters=f, definitions=definitions,
                  extra={"process_key": process_key}, sections={"nodes": rows})


# -- the event log --------------------------------------------------------------------------

def event_log(f: Filters, process_key: str | None) -> Iterator[str]:
    """The event log as CSV text chunks, the header first: one row per instance event,
    ordered by case then time.

    Checks and the query are made now (a 404 must come before the response starts); the rows
    are read as the chunks are taken, in a read-only unit of work of its own, because the
    request's unit of work has ended by the time a streamed body is sent.
    """
    if process_key is not None:
        _require_process(process_key)
    return _chunks(current_app.extensions["crm_db"], _event_statement(f, process_key))


def _event_statement(f: Filters, process_key: str | None) -> Select:
    # the person who completed the matching human task: the latest completion of that
    # element in that instance at or before the event (a task's row is completed just before
    # the engine records the step; loops and rework rounds each match their own completion)
    resource = (select(HumanTask.completed_by)
                .where(HumanTask.instance_id == InstanceEvent.instance_id,
                       HumanTask.element_id == InstanceEvent.element_id,
                       HumanTask.status == "completed",
                       HumanTask.completed_at <= InstanceEvent.at)
                .order_by(HumanTask.completed_at.desc()).limit(1)
                .correlate(InstanceEvent).scalar_subquery())
    return (select(InstanceEvent.instance_id, InstanceEvent.element_id, InstanceEvent.name,
                   InstanceEvent.at, func.coalesce(resource, "system").label("resource"),
                   ProcessDefinition.key.label("process_key"), ProcessDefinition.version,
                   ProcessInstance.business_key)
            .join(ProcessInstance, ProcessInstance.id == InstanceEvent.instance_id)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(*([ProcessDefinition.key == process_key] if process_key else []),
                   *in_period(InstanceEvent.at, f), *_case_scope(InstanceEvent.instance_id, f))
            .order_by(InstanceEvent.instance_id, InstanceEvent.at, InstanceEvent.id))


def _chunks(database, statement: Select) -> Iterator[str]:
    with database.unit_of_work(write=False) as session:
        result = session.execute(statement.execution_options(yield_per=_CHUNK_ROWS))
        yield _csv([EVENT_LOG_COLUMNS])
        for partition in result.partitions():
            yield _csv([str(row.instance_id), row.name or row.element_id, row.at.isoformat(),
                        row.resource, "complete", row.process_key, row.version, row.element_id,
                        row.business_key or ""] for row in partition)


def _csv(rows: Iterable[Iterable]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()
