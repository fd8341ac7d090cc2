"""Our task specs and event definitions: where SpiffWorkflow's stock ones fall short.

- Timers read the time from the workflow's clock (the script engine carries it), so the
  test clock drives SLAs; SpiffWorkflow's own timers call ``datetime.now`` directly.
- Service tasks name a handler; the script engine dispatches to the handler registry.
- Message events carry a dict payload both ways (thrown from the task data, caught into it).
- A plain task (no type) runs straight through, as in Camunda.
- Business rule tasks also honour ``camunda:resultVariable`` / ``mapDecisionResult``.

Event subprocesses have a module of their own (``event_subprocesses.py``).
"""

from __future__ import annotations

from calendar import monthrange
from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.defaults import NoneTask
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask as StockServiceTask
from SpiffWorkflow.bpmn.specs.event_definitions.message import (
    MessageEventDefinition as StockMessageEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.camunda.specs.business_rule_task import (
    BusinessRuleTask as StockBusinessRuleTask,
)
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.deep_merge import DeepMerge

from .storable import NotStorable, check_storable


def _now(my_task) -> datetime:
    return my_task.workflow.script_engine.now()


def as_utc(value: str | datetime) -> datetime:
    """Timer values as aware UTC datetimes; a naive value is taken as UTC, never server-local."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _as_text(value) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


class _FiresOnce:
    """A timer that fires once, at a moment computed when it starts waiting."""

    def fire_at(self, my_task, evaluated) -> datetime:
        raise NotImplementedError

    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            evaluated = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            event_value = self.fire_at(my_task, evaluated).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if as_utc(event_value) <= _now(my_task):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockTimeDate(_FiresOnce, TimeDateEventDefinition):
    """A timeDate timer: fires once the clock passes the given moment."""

    def fire_at(self, my_task, evaluated) -> datetime:
        return as_utc(_as_text(evaluated))


class ClockDuration(_FiresOnce, DurationTimerEventDefinition):
    """A timeDuration timer: fires the given duration after it started waiting."""

    def fire_at(self, my_task, evaluated) -> datetime:
        start = _now(my_task)
        return start + duration_from(str(evaluated), start)


class ClockCycle(CycleTimerEventDefinition):
    """A timeCycle timer (``R3/PT24H``): fires every period, a given number of times."""

    def cycle_complete(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        now = _now(my_task)
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            cycles, start, duration = parse_cycle(str(expression), now)
            event_value = {
                "cycles": cycles,
                "next": start.isoformat(),
                "duration": duration.total_seconds(),
            }
        ready = False
        if event_value["cycles"] != 0:
            next_event = as_utc(event_value["next"])
            if next_event <= now:
                # fire once, even if several turns were missed (a scheduler down for a day must
                # not send 24 hourly reminders at once); the missed turns count as taken
                period = timedelta(seconds=event_value["duration"])
                turns = 1 + (int((now - next_event) / period) if period.total_seconds() else 0)
                event_value["next"] = (next_event + period * turns).isoformat()
                if event_value["cycles"] > 0:
                    event_value["cycles"] = max(event_value["cycles"] - turns, 0)
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
            return False
        my_task._set_internal_data(event_value=event_value)
        return ready


def parse_cycle(expression: str, now: datetime) -> tuple[int, datetime, timedelta]:
    """``R[n]/[start/]duration`` relative to our clock (SpiffWorkflow's uses the wall clock)."""
    parts = expression.upper().replace("--", "/").strip("R").split("/")
    if len(parts) == 2:
        cycles = int(parts[0]) if parts[0] else -1
        parsed = TimerEventDefinition.parse_iso_duration(parts[1])
        duration = TimerEventDefinition.get_timedelta_from_start(parsed, now)
        return cycles, now + duration, duration
    cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(expression)
    return cycles, start, duration


def add_periods(origin: datetime, period: dict, times: int) -> datetime:
    """``origin`` plus ``times`` periods, months on the calendar: the 31st of January plus one
    month is the end of February, plus two the 31st of March (no drift)."""
    months = times * (period.get("years", 0) * 12 + period.get("months", 0))
    year, month = divmod(origin.month - 1 + int(months), 12)
    year += origin.year
    day = min(origin.day, monthrange(year, month + 1)[1])
    moved = origin.replace(year=year, month=month + 1, day=day)
    rest = {k: v * times for k, v in period.items() if k in ("weeks", "days", "hours",
                                                             "minutes", "seconds")}
    return moved + timedelta(**rest)


def next_turn(expression: str, previous: datetime, now: datetime) -> tuple[datetime, int]:
    """For the cycle ``R[n]/[start/]period`` whose turn ``previous`` is being taken now: the
    next turn after ``now``, and how many turns that takes (this one plus those missed)."""
    parts = expression.upper().replace("--", "/").strip("R").split("/")
    period = TimerEventDefinition.parse_iso_duration(parts[-1])
    origin = as_utc(parts[1]) if len(parts) == 3 and not parts[1].startswith("P") else previous
    rough = max((add_periods(origin, period, 1) - origin).total_seconds(), 1)
    times = max(1, int((previous - origin).total_seconds() / rough) - 1)
    while add_periods(origin, period, times) <= previous:
        times += 1
    taken = 1
    while add_periods(origin, period, times) <= now:
        times += 1
        taken += 1
    return add_periods(origin, period, times), taken


def duration_from(text: str, start: datetime) -> timedelta:
    """An ISO 8601 duration ('PT25H', 'P1M', '-P3D') as a timedelta from ``start``."""
    sign = -1 if text.startswith("-") else 1
    parsed = TimerEventDefinition.parse_iso_duration(text.lstrip("-+"))
    return sign * TimerEventDefinition.get_timedelta_from_start(parsed, start)


def timer_due(definition, internal_data: dict) -> datetime | None:
    """When a waiting timer will fire, from the value it computed when it started waiting."""
    event_value = internal_data.get("event_value")
    if event_value is None or internal_data.get("event_fired"):
        return None
    if isinstance(definition, CycleTimerEventDefinition):
        if event_value.get("cycles") == 0:
            return None
        return as_utc(event_value["next"])
    return as_utc(event_value)


class PassThroughTask(NoneTask):
    """A plain ``bpmn:task`` (no type): Camunda runs straight through it.

    SpiffWorkflow makes it a manual task, which would open a task nobody is offered (it names
    no lane or group) and stall the process on a shape the analyst drew as documentation.
    """

    def __init__(self, wf_spec, bpmn_id, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.manual = False


class ServiceTask(StockServiceTask):
    """A service task that calls the handler its diagram names (e.g. ``documents.render_quote``)."""

    def __init__(self, wf_spec, bpmn_id, handler: str | None = None, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.handler = handler

    def _execute(self, task):
        result = task.workflow.script_engine.call_handler(task, self.handler)
        if result:
            task.data.update(result)
        return True


class BusinessRuleTask(StockBusinessRuleTask):
    """Sets the decision's outputs by name and, as Camunda does, under ``resultVariable``.

    Camunda makes the result visible only through ``camunda:resultVariable``, shaped by
    ``camunda:mapDecisionResult``; SpiffWorkflow ignores both, so a diagram testing
    ``${route == ...}`` would fail on a missing name.
    """

    def __init__(self, wf_spec, bpmn_id, dmnEngine, result_variable=None, map_result=None,
                 decision_id=None, **kwargs):
        super().__init__(wf_spec, bpmn_id, dmnEngine, **kwargs)
        self.result_variable = result_variable
        self.map_result = map_result or "resultList"
        self.decision_id = decision_id

    def _run_hook(self, my_task):
        try:
            outputs, rules = self.dmnEngine.evaluate_table(my_task)
        except SpiffWorkflowException as exc:
            exc.add_note(f"Business Rule Task '{self.bpmn_name or self.bpmn_id}'.")
            raise
        except Exception as exc:
            raise WorkflowTaskException(str(exc), task=my_task, exception=exc) from exc
        my_task.data = DeepMerge.merge(my_task.data, outputs)
        if self.result_variable:
            my_task.data[self.result_variable] = shape_decision_result(
                outputs, bool(rules), self.map_result)
        # why the table decided so (rule ids): handlers record it, users never see it
        my_task.data["_decision"] = {"decision_id": self.decision_id,
                                     "rules": [rule.id for rule in rules],
                                     "hit_policy": self.dmnEngine.hit_policy}
        try:
            check_storable(my_task.data)
        except NotStorable as exc:
            raise WorkflowTaskException(f"the decision gave data that cannot be saved: {exc}",
                                        task=my_task) from exc
        return True


def shape_decision_result(outputs: dict, matched: bool, mapping: str):
    """The result as Camunda's ``mapDecisionResult`` has it (resultList by default)."""
    names = list(outputs)
    if any(isinstance(v, list) for v in outputs.values()):  # COLLECT / RULE ORDER
        count = max((len(v) for v in outputs.values() if isinstance(v, list)), default=0)
        rows = [{n: outputs[n][i] if isinstance(outputs[n], list) else outputs[n]
                 for n in names} for i in range(count)]
    else:
        rows = [dict(outputs)] if matched else []
    if mapping == "singleEntry":
        return next(iter(rows[0].values()), None) if rows else None
    if mapping == "singleResult":
        return rows[0] if rows else None
    if mapping == "collectEntries":
        return [next(iter(row.values()), None) for row in rows]
    return rows


class MessageEventDefinition(StockMessageEventDefinition):
    """A message whose payload is a dict merged into the catching task's data.

    Thrown messages carry the evaluated ``camunda:expression`` (or a copy of the task data);
    a ``camunda:resultVariable`` puts the caught payload under that name instead of merging.
    """

    def __init__(self, name, correlation_properties=None, expression=None, result_var=None,
                 **kwargs):
        super().__init__(name, correlation_properties, **kwargs)
        self.expression = expression
        self.result_var = result_var

    def throw(self, my_task):
        if self.expression:
            payload = my_task.workflow.script_engine.evaluate(my_task, self.expression)
        else:
            payload = dict(my_task.data)
        try:
            check_storable(payload, "payload")
        except NotStorable as exc:
            raise WorkflowTaskException(f"message {self.name!r} cannot carry its payload: {exc}",
                                        task=my_task) from exc
        correlations = self.get_correlations(my_task, payload if isinstance(payload, dict) else {})
        my_task.workflow.correlations.update(correlations)
        event = BpmnEvent(self, payload=payload, correlations=correlations)
        my_task.workflow.top_workflow.catch(event)

    def update_task_data(self, my_task):
        payload = my_task.internal_data.get(self.name)
        if payload is None:
            return
        if self.result_var:
            my_task.data[self.result_var] = payload
        elif isinstance(payload, dict):
            my_task.data.update(payload)
        else:
            my_task.data[f"{my_task.task_spec.bpmn_id}_payload"] = payload
