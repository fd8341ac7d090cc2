"""Evaluating one deployed decision table directly (analysts test tables without a process)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace

from SpiffWorkflow.exceptions import SpiffWorkflowException

from .deployment import Analysis, SourceFile, read_xml
from .parsing import BpmnParser
from .runtime import to_json
from .scripting import ScriptEngine


class DecisionFailed(Exception):
    """The table could not decide for these inputs (a cell raised, UNIQUE had two matches)."""


def evaluate_decision(dmn: SourceFile, decision_id: str, inputs: dict,
                      now: Callable[[], datetime]) -> dict:
    """{'outputs': {...}, 'matched_rules': [rule ids]} under the table's hit policy."""
    return decision_evaluator(dmn, decision_id, now)(inputs)


def decision_evaluator(dmn: SourceFile, decision_id: str,
                       now: Callable[[], datetime]) -> Callable[[dict], dict]:
    """Parse a table once, evaluate it for many inputs (replaying it against stored leads)."""
    analysis = Analysis()
    read_xml([dmn], analysis)
    if dmn.name not in analysis.trees:
        raise DecisionFailed("; ".join(p.reason for p in analysis.problems))
    parser = BpmnParser()
    parser.add_dmn_xml(analysis.trees[dmn.name], filename=dmn.name)
    if decision_id not in parser.dmn_parsers:
        raise DecisionFailed(f"the file defines no decision {decision_id!r}")
    engine = parser.get_engine(decision_id, None)

    def evaluate(inputs: dict) -> dict:
        probe = _probe(inputs, now)
        try:
            for column in engine.decision_table.inputs:
                _check_input(probe, column)
            outputs, rules = engine.evaluate_table(probe)
        except SpiffWorkflowException as exc:
            notes = " ".join(getattr(exc, "__notes__", []) or [])
            raise DecisionFailed(f"{exc.args[0] if exc.args else exc} {notes}".strip()) from exc
        return {"outputs": to_json(outputs), "matched_rules": [rule.id for rule in rules],
                "hit_policy": engine.hit_policy}

    return evaluate


def _check_input(probe, column) -> None:
    """Every input column must be computable: a table test with a missing input would
    otherwise pass or fail depending on which rules happen to short-circuit."""
    try:
        probe.workflow.script_engine.evaluate(probe, column.expression)
    except SpiffWorkflowException as exc:
        label = column.label or column.name or column.id
        raise DecisionFailed(f"input {label!r} ({column.expression}) cannot be computed from "
                             f"the inputs given: {exc.args[0] if exc.args else exc}") from exc


def _probe(inputs: dict, now):
    """The little of a task the DMN engine touches: data, script engine, names for errors."""
    workflow = SimpleNamespace(script_engine=ScriptEngine(now), spec=SimpleNamespace(file=None),
                               parent_task_id=None)
    workflow.top_workflow = workflow
    spec = SimpleNamespace(bpmn_name="decision test", bpmn_id="decision_test", name="probe")
    return SimpleNamespace(data=dict(inputs), workflow=workflow, task_spec=spec)
