"""Deployments and process definitions.

``login_required`` sits right under the route on purpose: it runs before the arguments are
parsed, so that an anonymous or unauthorised caller gets 401/403, not a validation error.
"""

from __future__ import annotations

from functools import wraps

from flask import Response, request
from flask_smorest import Blueprint
from werkzeug.exceptions import UnsupportedMediaType

from ..services import definitions, deployments
from .auth import current_user, login_required
from .schemas import DeploymentFiles, DeploymentSchema, ProcessDefinitionSchema, XmlArgs

blp = Blueprint("definitions", __name__, url_prefix="/api",
                description="Deploy BPMN, DMN and form files; read process definitions")


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
