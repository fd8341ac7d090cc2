"""Reading process definitions: the latest of each key, all versions of one, the BPMN XML."""

from __future__ import annotations

import pytest

FIXTURES = "tests/fixtures"


def renamed(name: str) -> str:
    """The approval diagram with another process name: new content, so a new version."""
    with open(f"{FIXTURES}/bpmn/approval.bpmn", encoding="utf-8") as file:
        return file.read().replace('name="Discount approval" isExecutable',
                                   f'name="{name}" isExecutable')


@pytest.fixture
def two_versions(api):
    """approval v1 (from the fixture) and v2 (renamed), plus offer v1."""
    api.deploy("bpmn/approval.bpmn", "forms/approval.json")
    api.deploy_text({"approval.bpmn": renamed("Discount approval v2")})
    api.deploy("deploy/offer_v1.bpmn", "deploy/offer_form_v1.json")


def test_the_list_holds_the_latest_version_of_each_key_ordered_by_key(api, two_versions):
    response = api.as_("alice").get("/api/process-definitions")

    assert response.status_code == 200
    assert [(d["key"], d["version"], d["name"]) for d in response.json] == [
        ("approval", 2, "Discount approval v2"), ("offer", 1, "Offer (v1)")]
    first = response.json[0]
    assert set(first) == {"id", "key", "version", "name", "deployment_id", "bundle_hash",
                          "start_messages", "created_at"}


def test_the_list_is_empty_before_anything_is_deployed(api):
    response = api.as_("alice").get("/api/process-definitions")
    assert (response.status_code, response.json) == (200, [])


def test_one_key_lists_all_its_versions_oldest_first(api, two_versions):
    response = api.as_("mia").get("/api/process-definitions/approval")

    assert response.status_code == 200
    assert [(d["version"], d["name"]) for d in response.json] == [
        (1, "Discount approval"), (2, "Discount approval v2")]
    assert response.json[0]["bundle_hash"] != response.json[1]["bundle_hash"]
    assert response.json[0]["deployment_id"] < response.json[1]["deployment_id"]


def test_an_unknown_key_is_404(api, two_versions):
    response = api.as_("mia").get("/api/process-definitions/nothing_here")
    assert response.status_code == 404
    assert response.json == {"error": "not_found", "fields": {},
                             "message": "no process with key 'nothing_here' is deployed"}


def test_the_xml_is_the_latest_version_byte_for_byte(api, two_versions):
    response = api.as_("ana").get("/api/process-definitions/approval/xml")

    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.data == renamed("Discount approval v2").encode()


def test_the_xml_of_an_older_version(api, two_versions):
    response = api.as_("ana").get("/api/process-definitions/approval/xml?version=1")

    assert response.status_code == 200
    with open(f"{FIXTURES}/bpmn/approval.bpmn", "rb") as file:
        assert response.data == file.read()


def test_the_xml_of_a_version_that_does_not_exist_is_404(api, two_versions):
    response = api.as_("ana").get("/api/process-definitions/approval/xml?version=3")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"
    assert "version 3" in response.json["message"]


def test_the_xml_of_an_unknown_key_is_404(api, two_versions):
    response = api.as_("ana").get("/api/process-definitions/nothing_here/xml")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


@pytest.mark.parametrize("version", ["abc", "0", "-1", "1.5"])
def test_a_bad_version_is_422(api, two_versions, version):
    response = api.as_("ana").get(f"/api/process-definitions/approval/xml?version={version}")
    assert response.status_code == 422
    assert response.json["error"] == "invalid"
    assert "version" in response.json["fields"]


@pytest.mark.parametrize("path", [
    "/api/process-definitions",
    "/api/process-definitions/approval",
    "/api/process-definitions/approval/xml",
    "/api/process-definitions/approval/xml?version=abc",
])
def test_reading_definitions_needs_a_token(client, two_versions, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"


def test_a_bad_token_is_401(client, two_versions):
    response = client.get("/api/process-definitions",
                          headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
