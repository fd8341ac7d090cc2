"""Decision tables, evaluated on their own."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services import decisions
from .auth import login_required
from .schemas import EvaluateRequest, EvaluateResult

blp = Blueprint("decisions", __name__, url_prefix="/api/decisions",
                description="Test DMN decision tables without running a process")


@blp.post("/<decision_id>/evaluate")
@login_required()
@blp.arguments(EvaluateRequest)
@blp.response(200, EvaluateResult)
def evaluate(body, decision_id: str):
    """Outputs and matched rule ids of the latest deployed version for these inputs."""
    return decisions.evaluate(decision_id, body["inputs"])
