"""Deployments and process definitions.

``login_required`` sits right under the route on purpose: it runs before the arguments are
parsed, so that an anonymous or unauthorised caller gets 401/403, not a validation error.
"""

from __future__ import annotations

from functools import wraps

from flask import Response, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from werkzeug.exceptions import UnsupportedMediaType

from ..services import definitions, deployments
from .auth import current_user, login_required
from .schemas import DeploymentFiles, DeploymentSchema, ProcessDefinitionSchema, XmlArgs

blp = Blueprint("definitions", __name__, url_prefix="/api",
                description="Deploy BPMN, DMN and form files; read process definitions")


class ValidationFiles(Schema):
    """Like DeploymentFiles, but a request without files reaches the service, whose 400
    says what to send (a dry run answers problems, never a schema error about them)."""

    files = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}),
                        load_default=list)


class ProblemSchema(Schema):
    file = fields.String(allow_none=True)
    element_id = fields.String(allow_none=True)
    line = fields.Integer(allow_none=True)
    reason = fields.String()


class ValidationResult(Schema):
    problems = fields.List(fields.Nested(ProblemSchema))


def multipart_only(view):
    """A JSON or XML body would otherwise be answered with 'files: missing': say what to send."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.mimetype != "multipart/form-data":
            raise UnsupportedMediaType("send the files as multipart/form-data, in the "
                                       "repeatable field 'files'")
        return view(*args, **kwargs)

    return wrapper


@blp.post("/deployments")
@login_required("analyst")
@multipart_only
@blp.arguments(DeploymentFiles, location="files")
@blp.response(201, DeploymentSchema)
def deploy(body):
    """Validate and deploy files (all or nothing); changed processes get a new version."""
    files = [(f.filename or "", f.read()) for f in body.get("files", [])]
    return deployments.deploy(files, by=current_user())


@blp.post("/deployments/validate")
@login_required("analyst")
@multipart_only
@blp.arguments(ValidationFiles, location="files")
@blp.response(200, ValidationResult)
def validate(body):
    """Check files exactly as a deployment would, storing nothing: 200 with the problems
    (empty when the files would deploy); 400 only for a request without files."""
    files = [(f.filename or "", f.read()) for f in body.get("files", [])]
    return {"problems": deployments.validate(files)}


@blp.get("/process-definitions")
@login_required()
@blp.response(200, ProcessDefinitionSchema(many=True))
def latest():
    """The latest version of every process key."""
    return definitions.latest_processes()


@blp.get("/process-definitions/<key>")
@login_required()
@blp.response(200, ProcessDefinitionSchema(many=True))
def versions(key: str):
    """All versions of one process key, oldest first."""
    return definitions.versions(key)


@blp.get("/process-definitions/<key>/xml")
@login_required()
@blp.arguments(XmlArgs, location="query")
@blp.response(200, content_type="application/xml")
def xml(args, key: str):
    """The BPMN XML of a version (the latest by default)."""
    return Response(definitions.bpmn_xml(key, args.get("version")),
                    mimetype="application/xml")


@blp.get("/forms/<key>")
@login_required()
@blp.response(200, content_type="application/json")
def form(key: str):
    """The latest deployed form definition, as the file it was deployed from."""
    _name, content = definitions.form_file(key)
    return Response(content, mimetype="application/json")
