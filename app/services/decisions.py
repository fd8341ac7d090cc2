"""Evaluating a deployed decision table for given inputs."""

from __future__ import annotations

from .. import engine
from ..errors import Invalid
from . import clock, definitions
from .variables import check_variables


def evaluate(decision_id: str, inputs: dict) -> dict:
    decision = definitions.decision(decision_id)
    values = check_variables(inputs, "inputs")
    source = engine.SourceFile(decision.file.name, decision.file.content)
    try:
        result = engine.evaluate_decision(source, decision_id, values, clock.now)
    except engine.DecisionFailed as exc:
        raise Invalid(f"the decision could not be evaluated: {exc}",
                      fields={"inputs": [str(exc)]}) from exc
    return {"decision_id": decision_id, "version": decision.version, **result}
