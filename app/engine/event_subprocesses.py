"""Event subprocesses, as BPMN defines them and SpiffWorkflow does not quite run them.

- Triggering a message or signal event subprocess must not edit the spec: specs are parsed
  once and shared by every instance (see ``ProcessStart``).
- An interrupting event subprocess cancels the rest of its scope (``StartEvent``).
- A message-start event subprocess waits without a task, so the service learns of it through
  ``armed_triggers`` and starts it with ``trigger``.
- One that never started must not keep its finished scope open (``disarm_finished_scopes``).
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.control import BpmnStartTask
from SpiffWorkflow.bpmn.specs.defaults import EventSubprocess
from SpiffWorkflow.bpmn.specs.defaults import StartEvent as StockStartEvent
from SpiffWorkflow.util.task import TaskState


class ProcessStart(BpmnStartTask):
    """The start of a process or subprocess, which arms its event subprocesses.

    SpiffWorkflow creates a message or signal event subprocess when its event comes, and on the
    first one connects it into the spec. Specs are parsed once and shared by every instance,
    so all later instances would then arm it at their start and never complete. Here the way
    out (to the end) is connected at parse time and a trigger only adds a task.
    """

    def connect_or_add_trigger(self, task_spec, sp_spec):
        super().connect_or_add_trigger(task_spec, sp_spec)
        if sp_spec.name in self.trigger_specs and self._wf_spec.end not in task_spec.outputs:
            task_spec._inputs.append(self.name)  # from the start, yet not among its outputs
            task_spec.connect(self._wf_spec.end)

    def trigger_wf(self, my_task, spec_name):
        child = my_task._add_child(self._wf_spec.task_specs[spec_name], TaskState.FUTURE)
        child.triggered = True
        child.task_spec._update(child)
        return child.id


class ProcessSpec(BpmnProcessSpec):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.task_specs[self.start.name]
        self.start = ProcessStart(self, "Start")


class StartEvent(StockStartEvent):
    """A start event; in an interrupting event subprocess, firing cancels the rest of the scope.

    SpiffWorkflow ignores ``isInterrupting`` and runs every event subprocess beside the main
    flow, so an interrupting one would silently leave the interrupted work open.
    """

    interrupting = True  # the parser sets it from isInterrupting

    def _run_hook(self, my_task):
        result = super()._run_hook(my_task)
        if self.interrupting:
            interrupt_scope(my_task.workflow)
        return result


def interrupt_scope(subprocess) -> None:
    """Cancel everything in the scope of an event subprocess except the subprocess itself."""
    if subprocess.parent_task_id is None:
        return
    owner = subprocess.top_workflow.get_task_from_id(subprocess.parent_task_id)
    if owner is None or not isinstance(owner.task_spec, EventSubprocess):
        return
    keep, node = {owner.id}, owner.parent
    while node is not None:
        keep.add(node.id)
        node = node.parent
    for task in owner.workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK,
                                         skip_subprocesses=True):
        if task.id in keep or not task.has_state(TaskState.NOT_FINISHED_MASK):
            continue
        if owner.id in _ancestor_ids(task):
            continue
        task.cancel()


def _ancestor_ids(task) -> set:
    found, node = set(), task.parent
    while node is not None:
        found.add(node.id)
        node = node.parent
    return found


def armed_triggers(workflow) -> list[tuple]:
    """(scope root task, start event spec) of every event subprocess a message/signal starts.

    These wait without a task (SpiffWorkflow creates the subprocess when the event comes), so
    the service learns of them here. Only scopes still running can be triggered.
    """
    found = []
    for scope in [workflow, *workflow.subprocesses.values()]:
        if scope.is_completed() or scope.task_tree is None:
            continue
        for name in getattr(scope.spec.start, "trigger_specs", []):
            sp_spec = workflow.subprocess_specs.get(name)
            for start in sp_spec.bpmn_start_events if sp_spec else []:
                found.append((scope.task_tree, start))
    return found


def trigger(root_task, start_spec) -> None:
    """Start a fresh run of the event subprocess whose start event is ``start_spec``."""
    scope = root_task.workflow
    for name in scope.spec.start.trigger_specs:
        sp_spec = scope.top_workflow.subprocess_specs.get(name)
        if sp_spec is not None and start_spec in sp_spec.bpmn_start_events:
            scope.spec.start.trigger_wf(root_task, name)
            return


def disarm_finished_scopes(workflow) -> bool:
    """Cancel event subprocesses still waiting for their start once their scope's flow is done.

    The end of a process waits for every open task, so a timer event subprocess that has not
    fired would keep the instance open forever after its main flow ended. True if any was
    cancelled (the caller runs the engine again so the scope can complete).
    """
    disarmed = False
    for scope in [workflow, *workflow.subprocesses.values()]:
        if scope.task_tree is None or scope.is_completed():
            continue
        ends = {scope.spec.end.name, *(out.name for out in scope.spec.end.outputs)}
        armed, done = [], True
        for task in scope.get_tasks(state=TaskState.NOT_FINISHED_MASK, skip_subprocesses=True):
            if isinstance(task.task_spec, EventSubprocess) and _armed(task):
                armed.append(task)
            elif task.task_spec.name not in ends:
                done = False
                break
        if done and armed:
            for task in armed:
                task.cancel()
            for task in scope.get_tasks(state=TaskState.WAITING, skip_subprocesses=True,
                                        spec_name=scope.spec.end.name):
                task.task_spec._update(task)
            disarmed = True
    return disarmed


def _armed(task) -> bool:
    subprocess = task.workflow.top_workflow.subprocesses.get(task.id)
    if subprocess is None:
        return True
    starts = [t for t in subprocess.get_tasks(skip_subprocesses=True)
              if t.task_spec in subprocess.spec.bpmn_start_events]
    return bool(starts) and all(t.state == TaskState.WAITING for t in starts)
