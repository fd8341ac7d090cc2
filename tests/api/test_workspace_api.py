"""What the analyst workspace reads and checks through the API: a dry-run validation that
answers the very problems a deployment would, the DMN and form files to edit, and the
inputs a decision table expects."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models.definition import (
    DecisionDefinition,
    Deployment,
    FormDefinition,
    ProcessDefinition,
    StoredFile,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "deploy"
QUOTE = ("deploy/quote_review.bpmn", "deploy/quote_tier.dmn", "deploy/quote_review.json")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def multipart(files: dict[str, bytes]) -> dict:
    return {"files": [(io.BytesIO(content), name) for name, content in files.items()]}


def validate(api, files: dict[str, bytes], user: str = "ana"):
    return api.as_(user).post("/api/deployments/validate", data=multipart(files),
                              content_type="multipart/form-data")


def row_counts(app) -> dict[str, int]:
    models = (Deployment, StoredFile, ProcessDefinition, DecisionDefinition, FormDefinition)
    with app.app_context(), app.extensions["crm_db"].unit_of_work(write=False) as session:
        return {m.__name__: session.scalar(select(func.count()).select_from(m)) for m in models}


def broken_quote_review() -> bytes:
    """The quote review whose business rule task names a decision nobody deployed."""
    return fixture("quote_review.bpmn").replace(b'decisionRef="quote_tier"',
                                                b'decisionRef="no_such_table"')


# -- POST /api/deployments/validate ---------------------------------------------------------

def test_valid_files_validate_with_no_problems_and_nothing_is_stored(api, app):
    response = validate(api, {"quote_review.bpmn": fixture("quote_review.bpmn"),
                              "quote_tier.dmn": fixture("quote_tier.dmn"),
                              "quote_review.json": fixture("quote_review.json")})

    assert response.status_code == 200, response.json
    assert response.json == {"problems": []}
    assert set(row_counts(app).values()) == {0}


def test_problems_in_the_files_are_a_200_answer_naming_file_element_and_line(api, app):
    api.deploy("deploy/quote_tier.dmn", "deploy/quote_review.json")
    before = row_counts(app)

    response = validate(api, {"quote_review.bpmn": broken_quote_review()})

    assert response.status_code == 200
    [problem] = response.json["problems"]
    assert problem["file"] == "quote_review.bpmn" and problem["element_id"] == "tier"
    assert "no_such_table" in problem["reason"] and problem["line"] == 18
    assert row_counts(app) == before


def test_validation_finds_exactly_what_a_deployment_would_refuse(api):
    api.deploy("deploy/quote_tier.dmn", "deploy/quote_review.json")
    files = {"quote_review.bpmn": broken_quote_review(), "notes.txt": b"hello"}

    checked = validate(api, files).json["problems"]
    refused = api.deploy_text(files, expect=400).json["problems"]

    assert checked == refused and len(checked) == 2


def test_a_bad_dmn_cell_is_reported_at_its_rule(api):
    table = fixture("quote_tier.dmn").replace(b"&lt; 50000", b"&lt; fifty thousand")

    [problem] = validate(api, {"quote_tier.dmn": table}).json["problems"]

    assert problem["file"] == "quote_tier.dmn" and problem["element_id"] == "small"


def test_validating_after_a_deployment_sees_the_deployed_files(api):
    api.deploy(*QUOTE)

    response = validate(api, {"quote_review.bpmn": fixture("quote_review.bpmn")})

    assert response.json == {"problems": []}


def test_validating_without_files_is_a_bad_request(api):
    response = api.as_("ana").post("/api/deployments/validate", data={"comment": "x"},
                                   content_type="multipart/form-data")

    assert response.status_code == 400
    assert response.json["fields"] == {"files": ["required"]}
    assert "no files" in response.json["message"]


def test_validating_needs_the_analyst_role(api):
    response = validate(api, {"quote_tier.dmn": fixture("quote_tier.dmn")}, user="alice")

    assert response.status_code == 403


# -- GET /api/decisions/<id>/xml, GET /api/decisions/<id> ---------------------------------

def test_the_decision_file_is_served_as_deployed_latest_or_by_version(api):
    api.deploy("deploy/quote_tier.dmn")
    changed = fixture("quote_tier.dmn").replace(b'"large"', b'"big"')
    api.deploy_text({"quote_tier.dmn": changed})

    latest = api.as_("mia").get("/api/decisions/quote_tier/xml")
    first = api.as_("mia").get("/api/decisions/quote_tier/xml?version=1")

    assert latest.status_code == 200 and latest.mimetype == "application/xml"
    assert latest.data == changed
    assert first.data == fixture("quote_tier.dmn")


@pytest.mark.parametrize("url, message", [
    ("/api/decisions/nothing/xml", "no decision with id 'nothing' is deployed"),
    ("/api/decisions/quote_tier/xml?version=7", "decision 'quote_tier' has no version 7"),
    ("/api/decisions/nothing", "no decision with id 'nothing' is deployed"),
])
def test_an_unknown_decision_or_version_is_404_saying_which(api, url, message):
    api.deploy("deploy/quote_tier.dmn")

    response = api.as_("ana").get(url)

    assert response.status_code == 404 and response.json["message"] == message


def test_the_decision_table_lists_its_inputs_and_outputs(api):
    api.deploy("deploy/quote_tier.dmn")

    response = api.as_("ana").get("/api/decisions/quote_tier")

    assert response.status_code == 200
    assert response.json["file"] == "quote_tier.dmn" and response.json["version"] == 1
    assert response.json["inputs"] == [{"id": "Input_amount", "label": "Amount",
                                        "expression": "amount", "type": "number"}]
    assert [o["name"] for o in response.json["outputs"]] == ["tier"]


# -- GET /api/forms/<key> -------------------------------------------------------------------

def test_a_form_definition_is_served_as_its_latest_file(api):
    api.deploy("deploy/quote_review.json")

    response = api.as_("alice").get("/api/forms/quote_review")

    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.json["key"] == "quote_review"
    assert response.data == fixture("quote_review.json")


def test_an_unknown_form_is_404(api):
    response = api.as_("ana").get("/api/forms/nothing")

    assert response.status_code == 404
    assert response.json["message"] == "no form with key 'nothing' is deployed"


def test_the_new_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").json["paths"]

    for path in ("/api/deployments/validate", "/api/decisions/{decision_id}/xml",
                 "/api/decisions/{decision_id}", "/api/forms/{key}"):
        assert path in paths, path
