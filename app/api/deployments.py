"""Deployments and process definitions."""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from ..services import definitions, deployments
from .auth import current_user, login_required
from .schemas import DeploymentFiles, DeploymentSchema, ProcessDefinitionSchema, XmlArgs

blp = Blueprint("definitions", __name__, url_prefix="/api",
                description="Deploy BPMN, DMN and form files; read process definitions")


@blp.post("/deployments")
@blp.arguments(DeploymentFiles, location="files")
@blp.response(201, DeploymentSchema)
@login_required("analyst")
def deploy(body):
    """Validate and deploy files (all or nothing); changed processes get a new version."""
    files = [(f.filename or "", f.read()) for f in body.get("files", [])]
    return deployments.deploy(files, by=current_user())


@blp.get("/process-definitions")
@blp.response(200, ProcessDefinitionSchema(many=True))
@login_required()
def latest():
    """The latest version of every process key."""
    return definitions.latest_processes()


@blp.get("/process-definitions/<key>")
@blp.response(200, ProcessDefinitionSchema(many=True))
@login_required()
def versions(key: str):
    """All versions of one process key, oldest first."""
    return definitions.versions(key)


@blp.get("/process-definitions/<key>/xml")
@blp.arguments(XmlArgs, location="query")
@blp.response(200, content_type="application/xml")
@login_required()
def xml(args, key: str):
    """The BPMN XML of a version (the latest by default)."""
    definition = definitions.process(key, args.get("version"))
    content = definitions.file_contents([definition.bpmn_hash])[definition.bpmn_hash].content
    return Response(content, mimetype="application/xml")
