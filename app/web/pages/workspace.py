"""The analyst workspace: what is deployed, and editors to change it.

Every editor checks and deploys through the JSON API (POST /api/deployments/validate and
/api/deployments, from static/js/workspace.js), so the Validate button runs the very checks
of a deployment and nothing here decides what is valid. The views only read what is deployed
and hand the editors their files; the form preview and the template upload are the two
server round trips that are plain HTML.

Creating a process or a form uses the same editors, started from a skeleton. A deployment
of a key that exists makes a new version of it, so the new pages first ask ``new_key``
whether the key is free: a new definition must never replace one by accident.
"""

from __future__ import annotations

import re

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for

from ...documents import model
from ...errors import BadRequest, Invalid, NotFound
from ...pages.public_forms import page_fields
from ...services import definitions, doc_templates
from ...services.forms import FormDefinitionError, parse_form
from ..i18n import language, t
from ..session import page, signed_in_user

bp = Blueprint("web_workspace", __name__, url_prefix="/workspace")
NAV = [{"endpoint": "web_workspace.index", "text": "nav.workspace", "roles": ("analyst",),
        "order": 80}]
ANALYST = ("analyst",)  # admins pass every page check too
VARIABLE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")  # an input the tester can ask for by name
NEW_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,99}")  # a new process id / form key / file name
FORM_SKELETON = """{
  "key": "",
  "title": {"en": "", "zh-CN": ""},
  "fields": [
    {"name": "notes", "type": "text", "label": {"en": "Notes", "zh-CN": "备注"}}
  ]
}
"""


@bp.get("")
@page(*ANALYST)
def index():
    return render_template("web/workspace/index.html",
                           processes=definitions.process_catalogue(),
                           decisions=definitions.decision_catalogue(),
                           forms=definitions.form_catalogue(),
                           templates=doc_templates.all_latest())


# -- processes and decisions: the bpmn.io modelers ----------------------------------------

@bp.get("/processes/new")
@page(*ANALYST)
def new_process():
    """The modeler on a start event joined to an end event, and a field for the key."""
    return render_template("web/workspace/process.html", definition=None,
                           file="new_process.bpmn", versions=[])


@bp.get("/processes/new/diagram")
@page(*ANALYST)
def new_process_diagram():
    """The skeleton diagram the new-process modeler opens (its process id is set from the
    key field before it is validated or deployed)."""
    return render_template("web/workspace/new_process.bpmn"), {
        "Content-Type": "application/xml; charset=utf-8"}


@bp.get("/<any(processes, forms):kind>/new/key")
@page(*ANALYST)
def new_key(kind: str):
    """Whether ``key`` may name a new process or form: 200 when it is free, else the
    refusal as JSON for the editor to show next to the key (422 not a slug, 409 taken,
    with the editor's address to open what already has that key)."""
    key = request.args.get("key", "").strip()
    if not key:
        return _key_refused(422, t("form.required"))
    if not NEW_KEY.fullmatch(key) or key == "new":
        return _key_refused(422, t("workspace.new.bad_key"))
    exists = definitions.process if kind == "processes" else definitions.latest_form
    try:
        exists(key)
    except NotFound:
        return jsonify({"key": key, "file": f"{key}.{_SUFFIX[kind]}"})
    editor = "web_workspace.process" if kind == "processes" else "web_workspace.form"
    return _key_refused(409, t(f"workspace.new.{kind}_taken", name=key),
                        open_url=url_for(editor, key=key))


_SUFFIX = {"processes": "bpmn", "forms": "json"}


def _key_refused(status: int, message: str, **extra):
    return jsonify({"error": "invalid" if status == 422 else "conflict", "message": message,
                    "fields": {"key": [message]}, **extra}), status


@bp.get("/processes/<key>")
@page(*ANALYST)
def process(key: str):
    latest = definitions.process(key)
    return render_template("web/workspace/process.html", definition=latest,
                           file=latest.bpmn_file.name,
                           versions=definitions.process_versions(key))


@bp.get("/decisions/<decision_id>")
@page(*ANALYST)
def decision(decision_id: str):
    table = definitions.decision_table(decision_id)
    for column in table["inputs"]:  # inputs that are not plain names go in the JSON box
        column["variable"] = column["expression"] if VARIABLE.fullmatch(
            column["expression"]) else None
    return render_template("web/workspace/decision.html", table=table,
                           versions=definitions.decision_versions(decision_id))


@bp.get("/<any(processes, decisions, forms):kind>/<key>/versions")
@page(*ANALYST)
def versions(kind: str, key: str):
    """The versions list alone: the editors reload it after a deployment."""
    listing = {"processes": definitions.process_versions,
               "decisions": definitions.decision_versions,
               "forms": definitions.form_versions}[kind](key)
    return render_template("web/workspace/_versions.html", versions=listing)


# -- form definitions: a JSON editor with a preview drawn by the server -------------------

@bp.get("/forms/new")
@page(*ANALYST)
def new_form():
    """The JSON editor on a skeleton: one text field, the key and the title to fill in."""
    return render_template("web/workspace/form.html", key=None, file="new_form.json",
                           text=FORM_SKELETON, versions=[],
                           **_preview(FORM_SKELETON, "new_form.json"))


@bp.get("/forms/<key>")
@page(*ANALYST)
def form(key: str):
    name, content = definitions.form_file(key)
    text = content.decode("utf-8", errors="replace")
    return render_template("web/workspace/form.html", key=key, file=name, text=text,
                           versions=definitions.form_versions(key), **_preview(text, name))


@bp.post("/forms/preview")
@page(*ANALYST)
def form_preview():
    """The form as people will see it, or why the definition cannot be used (in place)."""
    file = request.form.get("file") or "form.json"
    return render_template("web/workspace/_form_preview.html",
                           **_preview(request.form.get("definition", ""), file))


def _preview(text: str, file: str) -> dict:
    try:
        form = parse_form(text.encode("utf-8"), file)
    except FormDefinitionError as problem:
        return {"preview_error": str(problem), "preview": None}
    return {"preview_error": None, "preview": {"form": form,
                                               "fields": page_fields(form, language())}}


# -- document templates --------------------------------------------------------------------

def _templates_page(errors: dict | None = None, values: dict | None = None,
                    status: int = 200):
    return render_template("web/workspace/templates.html",
                           templates=doc_templates.all_latest(), kinds=model.KINDS,
                           data_models={k: sorted(model.allowed_paths(k)) for k in model.KINDS},
                           languages=model.LANGUAGES, errors=errors or {},
                           values=values or {}), status


@bp.get("/templates")
@page(*ANALYST)
def templates():
    return _templates_page()


@bp.post("/templates")
@page(*ANALYST)
def upload_template():
    """A new version of a template (or a new template): the service checks its
    placeholders against the kind's data model; refusals are shown on the page."""
    values = {"key": request.form.get("key", "").strip(),
              "kind": request.form.get("kind", "").strip()}
    file = request.files.get("file")
    try:
        if file is None or not file.filename:
            raise Invalid(t("workspace.templates.no_file"),
                          fields={"file": [t("workspace.templates.no_file")]})
        template, created = doc_templates.upload(values["key"], values["kind"] or None,
                                                 file.read(), file.filename,
                                                 user=signed_in_user())
    except (Invalid, BadRequest) as refused:
        unknown = refused.details.get("unknown_placeholders")
        message = (t("workspace.templates.unknown", names=", ".join(unknown)) if unknown
                   else refused.message)
        errors = {**refused.fields, "file": [message]} if unknown else dict(refused.fields)
        return _templates_page({**errors, "_": [message]}, values, refused.status)
    flash(t("workspace.templates.uploaded" if created else "workspace.templates.unchanged",
            name=template.key, version=template.version), "success")
    return redirect(url_for("web_workspace.templates"))
