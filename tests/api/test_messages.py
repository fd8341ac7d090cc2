"""POST /api/messages: deliver to the waiting instance, start a process, or say why not."""

import pytest


@pytest.fixture
def signature(api):
    api.deploy("bpmn/signature.bpmn")


def wait_for_signature(api, business_key, **variables):
    instance = api.as_("alice").start("signature", business_key=business_key,
                                      variables=variables)
    assert instance["status"] == "waiting"
    assert instance["waiting_for"] == [
        {"kind": "message", "name": "contract_signed", "element_id": "signed"}]
    return instance


def test_a_message_reaches_the_instance_with_the_matching_business_key(api, signature):
    first = wait_for_signature(api, "C-1")
    second = wait_for_signature(api, "C-2")
    response = api.as_("alice").post("/api/messages", json={
        "name": "contract_signed", "correlation": {"business_key": "C-2"},
        "payload": {"signed_by": "Mr Wu", "pages": 12}})
    assert response.status_code == 200
    assert response.json == {"started": False, "instance": {
        "id": second["id"], "process_key": "signature", "business_key": "C-2",
        "status": "running"}}
    after = api.as_("mia").instance(second["id"])
    assert after["variables"] == {"signed_by": "Mr Wu", "pages": 12}
    assert after["waiting_for"] == []
    assert [t["element_id"] for t in after["active_tasks"]] == ["file_contract"]
    assert api.as_("mia").instance(first["id"])["status"] == "waiting"


def test_correlation_by_process_variable(api, signature):
    wait_for_signature(api, "C-1", contract_no="HT-7")
    target = wait_for_signature(api, "C-2", contract_no="HT-8")
    response = api.as_("alice").post("/api/messages", json={
        "name": "contract_signed", "correlation": {"contract_no": "HT-8"}})
    assert response.status_code == 200
    assert response.json["instance"]["id"] == target["id"]


def test_no_waiting_instance_is_404_and_changes_nothing(api, signature):
    waiting = wait_for_signature(api, "C-1")
    for body in ({"name": "contract_signed", "correlation": {"business_key": "C-404"}},
                 {"name": "unknown_message"}):
        response = api.as_("alice").post("/api/messages", json=body)
        assert response.status_code == 404
        assert response.json["error"] == "not_found"
    assert api.as_("mia").instance(waiting["id"])["status"] == "waiting"


def test_several_matching_instances_is_409_listing_them(api, signature):
    first = wait_for_signature(api, "C-1")
    second = wait_for_signature(api, "C-2")
    response = api.as_("alice").post("/api/messages", json={"name": "contract_signed"})
    assert response.status_code == 409
    assert response.json["instance_ids"] == [first["id"], second["id"]]
    assert api.as_("mia").instance(first["id"])["status"] == "waiting"


def test_a_message_is_delivered_once(api, signature):
    wait_for_signature(api, "C-1")
    body = {"name": "contract_signed", "correlation": {"business_key": "C-1"}}
    assert api.as_("alice").post("/api/messages", json=body).status_code == 200
    assert api.as_("alice").post("/api/messages", json=body).status_code == 404


def test_a_message_start_event_starts_its_process(api):
    api.deploy("bpmn/inbound_lead.bpmn", "forms/call_notes.json")
    response = api.as_("alice").post("/api/messages", json={
        "name": "lead_received", "correlation": {"business_key": "L-1"},
        "payload": {"company": "ACME"}})
    assert response.status_code == 201
    assert response.json["started"] is True
    instance = api.as_("mia").instance(response.json["instance"]["id"])
    assert instance["business_key"] == "L-1"
    assert instance["variables"] == {"company": "ACME"}
    assert [t["element_id"] for t in instance["active_tasks"]] == ["first_call"]


def test_a_process_that_starts_on_a_message_cannot_be_started_directly(api):
    api.deploy("bpmn/inbound_lead.bpmn", "forms/call_notes.json")
    response = api.as_("bob").post("/api/process-instances",
                                   json={"process_key": "inbound_lead"})
    assert response.status_code == 409
    assert "lead_received" in response.json["message"]
    assert api.as_("mia").get("/api/process-instances").json["total"] == 0


def test_message_request_is_validated(api):
    bob = api.as_("bob")
    assert bob.post("/api/messages", json={}).status_code == 422
    assert bob.post("/api/messages", json={"name": ""}).status_code == 422
    assert bob.post("/api/messages", json={"name": "x", "payload": [1]}).status_code == 422
    bad = bob.post("/api/messages", json={"name": "x", "payload": {"not a name": 1}})
    assert bad.status_code == 422 and "payload" in bad.json["fields"]
    reserved = bob.post("/api/messages", json={"name": "x", "payload": {"typename": "y"}})
    assert reserved.status_code == 422
    assert api.client.post("/api/messages", json={"name": "x"}).status_code == 401


def test_a_message_reaches_only_instances_the_sender_takes_part_in(api, signature):
    instance = wait_for_signature(api, "C-1")  # started by alice
    body = {"name": "contract_signed", "correlation": {"business_key": "C-1"},
            "payload": {"approved": True}}
    assert api.as_("bob").post("/api/messages", json=body).status_code == 404
    assert api.as_("mia").instance(instance["id"])["status"] == "waiting"
    assert api.as_("alice").post("/api/messages", json=body).status_code == 200
