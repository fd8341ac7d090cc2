"""DMN hit policies as the DMN 1.3 standard defines them.

SpiffWorkflow's DMNEngine treats UNIQUE, ANY, PRIORITY and RULE ORDER all as "first match"
and ignores COLLECT aggregations; a table that an analyst believes is UNIQUE could then
silently pick one of two overlapping rules. Here UNIQUE and ANY fail loudly on a conflict,
RULE ORDER and COLLECT return lists, COLLECT aggregates, and a table with no matching rule
sets every output to None (COLLECT: an empty list) so that later conditions can test it.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.exceptions import SpiffWorkflowException

SUPPORTED_HIT_POLICIES = {"UNIQUE", "FIRST", "ANY", "RULE ORDER", "COLLECT"}
AGGREGATIONS = {
    "SUM": sum,
    "MIN": min,
    "MAX": max,
    "COUNT": len,
}


class DecisionError(SpiffWorkflowException):
    """A decision table that cannot give one answer for these inputs."""


class PolicyDMNEngine(DMNEngine):
    def __init__(self, decision_table, aggregation: str | None = None):
        super().__init__(decision_table)
        self.aggregation = aggregation

    @property
    def hit_policy(self) -> str:
        return (self.decision_table.hit_policy or "UNIQUE").upper()

    def decide(self, task):
        """Every matching rule, in table order (the policy decides what to make of them)."""
        return [rule for rule in self.decision_table.rules if self.matches(rule, task)]

    def matches(self, rule, task) -> bool:
        for entry in rule.inputEntries:
            for lhs in entry.lhs:
                if lhs is None:
                    continue
                try:
                    if self._is_null(entry.input.expression, task) and "None" not in lhs:
                        return False  # as in FEEL: a test on a missing value is not met
                    if not self.evaluate(entry.input.expression, lhs, task):
                        return False
                except SpiffWorkflowException as exc:
                    exc.add_note(f"Rule {rule.id} (row {rule.row_number})")
                    raise
                except Exception as exc:
                    error = WorkflowTaskException(str(exc), task=task, exception=exc)
                    error.add_note(f"Rule {rule.id} (row {rule.row_number})")
                    raise error from exc
        return True

    @staticmethod
    def _is_null(expression: str, task) -> bool:
        return task.workflow.script_engine.evaluate(task, expression) is None

    def result(self, task):
        outputs, _ = self.evaluate_table(task)
        return outputs

    def evaluate_table(self, task) -> tuple[dict, list]:
        """(outputs, matched rules) under the table's hit policy."""
        rules = self.decide(task)
        policy = self.hit_policy
        names = [o.name or o.label for o in self.decision_table.outputs]
        if policy in ("COLLECT", "RULE ORDER"):
            collected = {name: [] for name in names}
            for rule in rules:
                for key, value in rule.output_as_dict(task).items():
                    collected.setdefault(key, []).append(value)
            if policy == "COLLECT" and self.aggregation:
                aggregate = AGGREGATIONS[self.aggregation]
                return {k: aggregate(v) for k, v in collected.items()}, rules
            return collected, rules
        if not rules:
            return {name: None for name in names}, []
        if policy == "UNIQUE" and len(rules) > 1:
            ids = ", ".join(r.id for r in rules)
            raise DecisionError(
                f"hit policy UNIQUE, but rules {ids} all match these inputs")
        if policy == "ANY":
            results = [rule.output_as_dict(task) for rule in rules]
            if any(r != results[0] for r in results[1:]):
                ids = ", ".join(r.id for r in rules)
                raise DecisionError(
                    f"hit policy ANY, but matching rules {ids} give different outputs")
            return results[0], rules
        if policy == "UNIQUE":
            return rules[0].output_as_dict(task), rules
        return rules[0].output_as_dict(task), rules[:1]  # FIRST
