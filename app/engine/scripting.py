"""The script engine every workflow runs with: sandboxed expressions, our clock, our handlers.

SpiffWorkflow does not serialize the script engine, so one is built for each unit of work and
carries what that unit knows: the clock, and the context handed to service-task handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from ..handlers import HandlerContext, get_handler
from . import sandbox
from .storable import NotStorable, check_storable


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Runs every script, condition, timer expression and DMN cell through the sandbox."""

    def __init__(self, helpers: dict):
        super().__init__({})
        self.helpers = helpers

    def evaluate(self, expression, context, external_context=None):
        names = dict(context)
        if external_context:
            names.update(external_context)
        return sandbox.evaluate(expression, names, extra=self.helpers)

    def execute(self, script, context, external_context=None):
        extra = {**self.helpers, **(external_context or {})}
        before = dict(context)
        sandbox.execute(script, context, extra=extra)
        try:
            check_storable(context)
        except NotStorable as exc:
            context.clear()  # leave the task's data as it was, so the instance can be saved
            context.update(before)
            raise sandbox.ScriptError(f"the script left data that cannot be saved: {exc}") \
                from exc
        return True


class ScriptEngine(PythonScriptEngine):
    def __init__(self, now: Callable[[], datetime], handler_context: dict | None = None):
        self._now = now
        self.handler_context = handler_context or {}
        helpers = {
            "now": now,
            "today": lambda: now().date(),
            "days": lambda n: timedelta(days=n),
            "hours": lambda n: timedelta(hours=n),
        }
        super().__init__(environment=SandboxEnvironment(helpers))

    def now(self) -> datetime:
        return self._now()

    def call_handler(self, task, name: str) -> dict | None:
        func = get_handler(name)
        if func is None:
            raise WorkflowTaskException(f"no handler named {name!r} is registered", task=task)
        ctx = HandlerContext(
            data=dict(task.data),
            properties=dict(getattr(task.task_spec, "extensions", None) or {}),
            element_id=task.task_spec.bpmn_id,
            now=self.now(),
            **self.handler_context,
        )
        try:
            result = func(ctx)
        except Exception as exc:
            raise WorkflowTaskException(
                f"handler {name!r} failed: {exc.__class__.__name__}: {exc}",
                task=task, exception=exc,
            ) from exc
        if result is not None and not isinstance(result, dict):
            raise WorkflowTaskException(
                f"handler {name!r} returned {type(result).__name__}, not a dict", task=task)
        try:
            check_storable(result or {}, "result")
        except NotStorable as exc:
            raise WorkflowTaskException(f"handler {name!r} returned data that cannot be saved: "
                                        f"{exc}", task=task) from exc
        return result
