"""Decision tables, evaluated on their own."""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..services import decisions, definitions
from .auth import login_required
from .schemas import EvaluateRequest, EvaluateResult, XmlArgs

blp = Blueprint("decisions", __name__, url_prefix="/api/decisions",
                description="Test DMN decision tables without running a process")


@blp.post("/<decision_id>/evaluate")
@login_required()
@blp.arguments(EvaluateRequest)
@blp.response(200, EvaluateResult)
def evaluate(body, decision_id: str):
    """Outputs and matched rule ids of the latest deployed version for these inputs."""
    return decisions.evaluate(decision_id, body["inputs"])


class DecisionColumnSchema(Schema):
    id = fields.String(allow_none=True)
    label = fields.String()
    name = fields.String()
    expression = fields.String()
    type = fields.String()


class DecisionTableSchema(Schema):
    decision_id = fields.String()
    name = fields.String()
    version = fields.Integer()
    file = fields.String()
    inputs = fields.List(fields.Nested(DecisionColumnSchema))
    outputs = fields.List(fields.Nested(DecisionColumnSchema))


@blp.get("/<decision_id>")
@login_required()
@blp.response(200, DecisionTableSchema)
def table(decision_id: str):
    """The latest version's inputs (label, expression, type) and outputs: what to send to
    evaluate, and what comes back."""
    return definitions.decision_table(decision_id)


@blp.get("/<decision_id>/xml")
@login_required()
@blp.arguments(XmlArgs, location="query")
@blp.response(200, content_type="application/xml")
def xml(args, decision_id: str):
    """The DMN file of a version (the latest by default), byte for byte, to edit."""
    _name, content = definitions.decision_xml(decision_id, args.get("version"))
    return Response(content, mimetype="application/xml")
