"""Joining gateways that stay correct when a loop passes through them again.

SpiffWorkflow's parallel join counts tokens by looking at every task of the join in the
tree, finished ones of earlier rounds included, so in the second turn of a "revise and
resubmit" loop it can fire as soon as one branch arrives. Its inclusive join searches the tree
only down to the first instance of itself, so from the second round on it never sees the
current round. Here both look at the current round only.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.defaults import InclusiveGateway as StockInclusiveGateway
from SpiffWorkflow.bpmn.specs.defaults import ParallelGateway as StockParallelGateway
from SpiffWorkflow.util.task import TaskState


def _previous_round(my_task):
    """The nearest finished instance of the same join above this one (None in round one)."""
    node = my_task.parent
    while node is not None:
        if node.task_spec is my_task.task_spec and node.has_state(TaskState.FINISHED_MASK):
            return node
        node = node.parent
    return None


class ParallelGateway(StockParallelGateway):
    """Fires once every incoming flow has delivered a token in this round."""

    def _check_threshold_unstructured(self, my_task):
        waiting = set(self.inputs)
        for task in my_task.workflow.get_tasks(spec_name=self.name):
            if task is not my_task and task.has_state(TaskState.FINISHED_MASK):
                continue  # a join of an earlier round
            if task.is_descendant_of(my_task):
                node = task.parent  # predicted beyond this join: its branch will come later
                while node is not None and node.task_spec not in waiting:
                    node = node.parent
                if node is not None:
                    waiting.discard(node.task_spec)
            elif my_task.is_descendant_of(task):
                continue
            elif task.parent.state == TaskState.COMPLETED:
                waiting.discard(task.parent.task_spec)
        return not waiting


class InclusiveGateway(StockInclusiveGateway):
    """Waits for every branch of this round that can still reach it."""

    def _check_threshold_unstructured(self, my_task):
        previous = _previous_round(my_task)
        roots = previous.children if previous is not None else [my_task.workflow.task_tree]
        tasks, sources = [], []
        for root in roots:
            for task in my_task.workflow.get_tasks(first_task=root, end_at_spec=self.name):
                if task.task_spec == self:
                    tasks.append(task)
                elif task.has_state(TaskState.READY | TaskState.WAITING):
                    sources.append(task.task_spec)
        arrived = {t.parent.task_spec for t in tasks if t.parent.state == TaskState.COMPLETED}
        if any(t.parent.has_state(TaskState.DEFINITE_MASK) and t.parent.task_spec not in arrived
               for t in tasks):
            return False
        return not self._reachable_from(sources, [i for i in self.inputs if i not in arrived],
                                        arrived)

    @staticmethod
    def _reachable_from(sources: list, missing: list, arrived: set) -> bool:
        """Could a task still open upstream reach an input that has no token yet?"""
        sources = list(sources)

        def upstream_source(spec, seen):
            seen.add(spec)
            for parent in spec.inputs:
                if parent in seen:
                    continue
                found = parent if parent in sources else upstream_source(parent, seen)
                if found is not None:
                    return found
            return None

        for spec in arrived:  # open tasks that feed an input that already arrived don't count
            source = upstream_source(spec, set())
            if source is not None:
                sources.remove(source)
        return any(upstream_source(spec, set()) is not None for spec in missing)
