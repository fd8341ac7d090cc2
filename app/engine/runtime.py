"""Running one process instance for one unit of work: start or restore, act, snapshot.

A ``Run`` wraps the SpiffWorkflow workflow object; nothing outside the engine package sees
SpiffWorkflow types. After acting, ``snapshot()`` describes everything the service persists:
the state, the status, the open human tasks, the timers and message waits, and the elements
completed since the run began.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.specs.defaults import EventBasedGateway
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import (
    MessageEventDefinition as StockMessage,
)
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskIterator, TaskState

from .event_subprocesses import armed_triggers, disarm_finished_scopes, trigger
from .pruning import prune_history
from .scripting import ScriptEngine
from .serialization import dump_state, load_state
from .specs import as_utc, duration_from, timer_due

# SpiffWorkflow's task iterator stops descending at depth 1000, so after a few hundred turns
# of a loop it no longer finds the READY task (and `is_completed` wrongly says True). The
# depth limit is a default argument of the iterator used everywhere, so raise it there.
for _cls in (TaskIterator, BpmnTaskIterator):
    _defaults = list(_cls.__init__.__defaults__)
    _defaults[1] = sys.maxsize  # (end_at_spec, max_depth, ...)
    _cls.__init__.__defaults__ = tuple(_defaults)


class EngineError(Exception):
    """The engine refused an action (e.g. the task is not READY)."""


@dataclass
class HumanTask:
    id: str
    element_id: str
    name: str
    kind: str  # user | manual
    candidate_groups: list[str]
    assignee: str | None
    due_at: datetime | None
    form_key: str | None
    documentation: str | None
    lane: str | None
    loop: dict = field(default_factory=dict)


@dataclass
class Timer:
    task_id: str
    element_id: str
    due_at: datetime


@dataclass
class Wait:
    task_id: str
    element_id: str
    kind: str  # message | signal
    name: str


@dataclass
class Thrown:
    kind: str  # message | signal
    name: str
    payload: object
    correlations: dict


@dataclass
class Step:
    element_id: str
    name: str | None
    kind: str
    at: datetime


@dataclass
class Snapshot:
    state: str  # JSON text
    status: str  # running | waiting | completed | cancelled | error
    human_tasks: list[HumanTask]
    timers: list[Timer]
    waits: list[Wait]
    thrown: list[Thrown]
    steps: list[Step]
    variables: dict
    error: str | None
    error_element: str | None


class Run:
    """One workflow, in memory, for the length of one unit of work."""

    def __init__(self, workflow: BpmnWorkflow, now: Callable[[], datetime]):
        self.workflow = workflow
        self.now = now
        self.error: str | None = None
        self.error_element: str | None = None
        self.steps: list[Step] = []

    # -- creating ---------------------------------------------------------------------------

    @classmethod
    def start(cls, spec, subprocess_specs: dict, variables: dict, *,
              now: Callable[[], datetime], handler_context: dict | None = None) -> Run:
        engine = ScriptEngine(now, handler_context)
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=engine)
        start = workflow.task_tree
        start.data.update(variables)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(variables)
        run = cls(workflow, now)
        run.advance()
        return run

    @classmethod
    def restore(cls, spec, subprocess_specs: dict, state: str, *,
                now: Callable[[], datetime], handler_context: dict | None = None) -> Run:
        workflow = load_state(state, spec, subprocess_specs)
        workflow.script_engine = ScriptEngine(now, handler_context)
        return cls(workflow, now)

    # -- acting -----------------------------------------------------------------------------

    def advance(self) -> None:
        """Run engine steps until the workflow waits; an error is recorded, not raised."""
        try:
            self.workflow.do_engine_steps(did_complete_task=self._record_step)
            while disarm_finished_scopes(self.workflow):
                self.workflow.do_engine_steps(did_complete_task=self._record_step)
        except SpiffWorkflowException as exc:
            self._fail(exc)
        except Exception as exc:  # a bug in a spec must mark the instance, not crash the caller
            self._fail(exc)

    def _fail(self, exc: Exception) -> None:
        task = getattr(exc, "task", None)
        self.error_element = getattr(getattr(task, "task_spec", None), "bpmn_id", None)
        notes = " ".join(getattr(exc, "__notes__", []) or [])
        message = str(exc.args[0]) if exc.args else exc.__class__.__name__
        self.error = f"{message} {notes}".strip()

    def _record_step(self, task) -> None:
        spec = task.task_spec
        if getattr(spec, "bpmn_id", None):
            self.steps.append(Step(spec.bpmn_id, spec.bpmn_name, spec.__class__.__name__,
                                   self.now()))

    def find_task(self, task_id: str):
        try:
            return self.workflow.get_task_from_id(UUID(task_id))
        except Exception:
            return None

    def complete_human_task(self, task_id: str, data: dict) -> None:
        task = self.find_task(task_id)
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise EngineError("the task is not open")
        task.data.update(data)
        task.run()
        self._record_step(task)
        self.advance()

    def fire_timers(self) -> None:
        """Let every timer whose time has come fire, then run on."""
        self.workflow.refresh_timers()
        self.advance()

    def deliver(self, task_id: str, payload: dict, name: str | None = None) -> None:
        """Hand a message to what waits for it: a catch event, receive task or gateway, or
        (``task_id`` of a scope's root) an event subprocess that the message starts."""
        task = self.find_task(task_id)
        if task is not None and task is task.workflow.task_tree:
            starts = [start for root, start in armed_triggers(self.workflow)
                      if root is task and _message_definition(start.event_definition, name)]
            if not starts:
                raise EngineError("no event subprocess starts on this message")
            trigger(task, starts[0])
            definition = _message_definition(starts[0].event_definition, name)
        elif task is None or task.state != TaskState.WAITING:
            raise EngineError("no such waiting task")
        else:
            definition = _message_definition(task.task_spec.event_definition, name)
            if definition is None:
                raise EngineError("the task does not wait for this message")
        self.workflow.event_manager.catch(BpmnEvent(definition, payload), internal=False)
        self.advance()

    def waiting_task(self, kind: str, name: str) -> str | None:
        """The id of a task waiting for this message or signal (e.g. a message start event)."""
        _, waits = self._waits()
        for wait in waits:
            if wait.kind == kind and wait.name == name:
                return wait.task_id
        return None

    def broadcast_signal(self, name: str) -> bool:
        waiting = [t.task_spec.event_definition for t in self.workflow.event_manager.tasks.values()]
        for root, start in armed_triggers(self.workflow):
            if _signal_definition(start.event_definition, name) is not None:
                trigger(root, start)
                waiting.append(start.event_definition)
        definitions = [_signal_definition(d, name) for d in waiting]
        definitions = [d for d in definitions if d is not None]
        if not definitions:
            return False
        self.workflow.event_manager.catch(BpmnEvent(definitions[0]), internal=False)
        self.advance()
        return True

    def cancel(self) -> None:
        self.workflow.cancel()

    def retry(self) -> None:
        """Run the failed task again (after its cause was fixed)."""
        failed = self.workflow.get_tasks(state=TaskState.ERROR)
        if not failed:
            raise EngineError("nothing failed")
        for task in failed:
            self.workflow.reset_from_task_id(task.id)
        self.error = self.error_element = None
        self.advance()

    # -- describing -------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        wf = self.workflow
        human = [self._human_task(t) for t in wf.get_tasks(state=TaskState.READY, manual=True)]
        timers, waits = self._waits()
        thrown = [_thrown(event) for event in wf.get_events()]
        prune_history(wf)
        return Snapshot(
            state=dump_state(wf),
            status=self._status(bool(human)),
            human_tasks=human,
            timers=timers,
            waits=waits,
            thrown=[t for t in thrown if t is not None],
            steps=self.steps,
            variables=self.variables(),
            error=self.error,
            error_element=self.error_element,
        )

    def _status(self, human_tasks_open: bool) -> str:
        if self.workflow.is_completed() and not self.error:
            # a cancelled instance may keep the task that had failed: it is cancelled all the same
            return "completed" if self.workflow.success else "cancelled"
        if self.error or self.workflow.get_tasks(state=TaskState.ERROR):
            return "error"
        if human_tasks_open:
            return "running"
        return "waiting"

    def variables(self) -> dict:
        """The process data as the user sees it: from the end, or from the open tasks."""
        wf = self.workflow
        if wf.is_completed():
            data = dict(wf.data)
            if wf.last_task is not None:
                data = {**wf.last_task.data, **data}
            return _visible(data)
        merged: dict = {}
        for task in wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED
                                 | TaskState.ERROR):
            merged.update(task.data)
        if not merged and wf.last_task is not None:
            merged = dict(wf.last_task.data)
        return _visible(merged)

    def _human_task(self, task) -> HumanTask:
        spec = task.task_spec
        info = getattr(spec, "human", None)
        groups = list(info.candidate_groups) if info else []
        assignee = self._evaluate_assignee(task, info) if info else None
        due_at = self._evaluate_due(task, info.due) if info else None
        loop = {k: task.internal_data[k] for k in ("iteration", "item", "key_or_index")
                if k in task.internal_data}
        parent = task.parent
        if parent is not None and "iteration" in parent.internal_data:
            loop["iteration"] = parent.internal_data["iteration"]
        item = getattr(parent.task_spec, "input_item", None) if parent is not None else None
        if item is not None and item.bpmn_id in task.data:
            loop["item"] = task.data[item.bpmn_id]  # the multi-instance element it is for
        return HumanTask(
            id=str(task.id),
            element_id=spec.bpmn_id,
            name=spec.bpmn_name or spec.bpmn_id,
            kind="user" if spec.__class__.__name__ == "UserTask" else "manual",
            candidate_groups=groups,
            assignee=assignee,
            due_at=due_at,
            form_key=info.form_key if info else None,
            documentation=spec.documentation,
            lane=info.lane if info else spec.lane,
            loop=_visible(loop),
        )

    def _evaluate_assignee(self, task, info) -> str | None:
        """A literal username, or the value of ``${expression}``; unknown means unassigned."""
        if not info.assignee:
            return None
        if not info.assignee_is_expression:
            return info.assignee
        try:
            value = self.workflow.script_engine.evaluate(task, info.assignee)
        except Exception:
            return None  # e.g. the owner is not known yet: the task goes to its groups
        return str(value) if value else None

    def _evaluate_due(self, task, expression: str | None) -> datetime | None:
        if not expression:
            return None
        try:
            value = self.workflow.script_engine.evaluate(task, expression)
        except Exception:
            return None
        try:
            if isinstance(value, datetime):
                return as_utc(value)
            if isinstance(value, timedelta):
                return self.now() + value
            if isinstance(value, str) and value.upper().startswith("P"):
                start = self.now()
                return start + duration_from(value, start)
            if isinstance(value, str):
                return as_utc(value)
        except Exception:  # SpiffWorkflow's ISO parser raises a bare Exception
            pass  # not a date or duration: the task simply has no due date
        return None

    def _waits(self) -> tuple[list[Timer], list[Wait]]:
        timers, waits = [], []
        for task in self.workflow.event_manager.tasks.values():
            if task.state != TaskState.WAITING:
                continue
            for item, element in _catches(task.task_spec):
                if isinstance(item, TimerEventDefinition):
                    due = timer_due(item, task.internal_data)
                    if due is not None:
                        timers.append(Timer(str(task.id), element, due))
                elif isinstance(item, StockMessage):
                    waits.append(Wait(str(task.id), element, "message", item.name))
                elif isinstance(item, SignalEventDefinition):
                    waits.append(Wait(str(task.id), element, "signal", item.name))
        for root, start in armed_triggers(self.workflow):
            for item in _flatten(start.event_definition):
                kind = ("message" if isinstance(item, StockMessage) else
                        "signal" if isinstance(item, SignalEventDefinition) else None)
                if kind:
                    waits.append(Wait(str(root.id), start.bpmn_id, kind, item.name))
        return timers, waits


def _flatten(definition) -> list:
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition]


def _catches(spec) -> list[tuple]:
    """(event definition, id of the element that catches it) for a waiting task.

    An event-based gateway waits for the events of the catch events after it: name those.
    """
    definitions = _flatten(spec.event_definition)
    if isinstance(spec, EventBasedGateway) and len(spec.outputs) == len(definitions):
        return [(d, out.bpmn_id) for d, out in zip(definitions, spec.outputs, strict=True)]
    return [(d, spec.bpmn_id) for d in definitions]


def _message_definition(definition, name: str | None = None):
    for item in _flatten(definition):
        if isinstance(item, StockMessage) and name in (None, item.name):
            return item
    return None


def _signal_definition(definition, name: str):
    for item in _flatten(definition):
        if isinstance(item, SignalEventDefinition) and item.name == name:
            return item
    return None


def _thrown(event: BpmnEvent) -> Thrown | None:
    definition = event.event_definition
    if isinstance(definition, StockMessage):
        return Thrown("message", definition.name, event.payload, event.correlations)
    if isinstance(definition, SignalEventDefinition):
        return Thrown("signal", definition.name, None, {})
    return None


def _visible(data: dict) -> dict:
    """Task data without engine internals, as JSON values."""
    return {k: to_json(v) for k, v in data.items() if not k.startswith("_")}


def to_json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_json(v) for v in value]
    return value
