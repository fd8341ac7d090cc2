"""Messages and signals between the world, the processes and each other.

SpiffWorkflow only delivers an event to a workflow already in memory; which instance a
message is for is our job: the ``event_waits`` table says who waits for which name, and the
correlation values (``business_key`` or process variables) pick the instance.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar

from sqlalchemy import select

from .. import db, engine
from ..errors import Conflict, NotFound
from ..models.definition import ProcessDefinition
from ..models.event import EventWait
from ..models.instance import ProcessInstance
from ..models.user import User
from . import definitions, runs
from .instances import involved, sees_all, start_definition
from .variables import check_variables

log = logging.getLogger(__name__)
MAX_HOPS = 10  # messages that trigger messages: stop a runaway ping-pong
_hops: ContextVar[int] = ContextVar("message_hops", default=0)


def _matches(instance: ProcessInstance, correlation: dict) -> bool:
    for key, expected in correlation.items():
        actual = instance.business_key if key == "business_key" else \
            (instance.variables or {}).get(key)
        if actual is None or str(actual) != str(expected):
            return False
    return True


def waiting(name: str, correlation: dict, kind: str = "message",
            user: User | None = None) -> list[EventWait]:
    """Waits for this name in running instances whose values match the correlation (and, with
    a user, that the user takes part in: a message may not reach into someone else's deal)."""
    stmt = (select(EventWait, ProcessInstance)
            .join(ProcessInstance, ProcessInstance.id == EventWait.instance_id)
            .where(EventWait.kind == kind, EventWait.name == name,
                   ProcessInstance.status.in_(("running", "waiting")))
            .order_by(EventWait.instance_id))
    if user is not None and not sees_all(user):
        stmt = stmt.where(involved(user))
    if correlation.get("business_key") is not None:
        stmt = stmt.where(ProcessInstance.business_key == str(correlation["business_key"]))
    return [wait for wait, instance in db.session().execute(stmt)
            if _matches(instance, correlation)]


def _starters(name: str) -> list[ProcessDefinition]:
    return [d for d in definitions.latest_processes() if name in (d.start_messages or [])]


def deliver(name: str, *, correlation: dict | None, payload: dict | None,
            user: User | None) -> tuple[ProcessInstance, bool]:
    """(instance, started): deliver to the one waiting instance, or start a process."""
    correlation = check_variables(correlation, "correlation")
    values = check_variables(payload, "payload")
    candidates = waiting(name, correlation, user=user)
    instance_ids = sorted({row.instance_id for row in candidates})
    if len(instance_ids) > 1:
        raise Conflict(f"{len(instance_ids)} instances wait for message {name!r} with this "
                       "correlation: add correlation keys to pick one",
                       instance_ids=instance_ids)
    if not instance_ids:
        starters = _starters(name)
        if len(starters) == 1:
            business_key = correlation.get("business_key")
            return start_definition(starters[0], user=user, business_key=business_key,
                                    variables=values, message=name), True
        if len(starters) > 1:
            raise Conflict(f"processes {[d.key for d in starters]} all start on message "
                           f"{name!r}")
        raise NotFound(f"no process instance waits for message {name!r} with this correlation")
    return deliver_to(instance_ids[0], name, values), False


def deliver_to(instance_id: int, name: str, payload: dict) -> ProcessInstance:
    """Deliver to one known instance (Conflict when it no longer waits for the message)."""
    instance = runs.lock(instance_id)
    wait = db.session().scalar(
        select(EventWait).where(EventWait.instance_id == instance_id,
                                EventWait.kind == "message", EventWait.name == name)
        .execution_options(populate_existing=True).limit(1))
    if wait is None:
        raise Conflict(f"instance {instance_id} no longer waits for message {name!r}")
    run = runs.restore(instance)
    try:
        run.deliver(wait.task_id, payload, name)
    except engine.EngineError as exc:
        raise Conflict(str(exc)) from exc
    runs.persist(instance, run)
    return instance


def route_thrown(sender: ProcessInstance, thrown: list) -> None:
    """Deliver what a process threw: a message to the one instance waiting for it with the
    sender's business key (the same deal), or to a process that starts on it; a signal to
    every instance waiting for it. A chain of messages that keeps triggering messages stops
    after MAX_HOPS."""
    hops = _hops.get()
    if hops >= MAX_HOPS:
        log.warning("instance %s: message chain longer than %s, stopped", sender.id, MAX_HOPS)
        return
    token = _hops.set(hops + 1)
    try:
        for event in thrown:
            if event.kind == "signal":
                _broadcast(sender, event.name)
            else:
                _send(sender, event)
    finally:
        _hops.reset(token)


def _broadcast(sender: ProcessInstance, name: str) -> None:
    for row in waiting(name, {}, kind="signal"):
        if row.instance_id == sender.id:
            continue
        instance = runs.lock(row.instance_id)
        run = runs.restore(instance)
        if run.broadcast_signal(name):
            runs.persist(instance, run)


def _send(sender: ProcessInstance, event) -> None:
    payload = event.payload if isinstance(event.payload, dict) else {"payload": event.payload}
    targets = []
    if sender.business_key:  # without one, nothing says which deal the message is about
        targets = sorted({r.instance_id for r in waiting(
            event.name, {"business_key": sender.business_key}) if r.instance_id != sender.id})
    if len(targets) == 1:
        deliver_to(targets[0], event.name, payload)
    elif len(targets) > 1:
        log.warning("instance %s threw message %r; instances %s all wait for it with business "
                    "key %r: not delivered", sender.id, event.name, targets, sender.business_key)
    elif _starters(event.name):
        start_definition(_starters(event.name)[0], user=None, business_key=sender.business_key,
                         variables=payload, message=event.name)
    else:
        log.info("instance %s threw message %r; nobody waits for it", sender.id, event.name)
