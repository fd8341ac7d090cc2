"""POST /api/webhooks/leads/<source>: signed third-party payloads mapped onto leads."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models.lead import Lead, LeadTouch
from app.services.lead_sources import SourceFileError, lookup, parse_source

SOURCES = Path(__file__).resolve().parents[2] / "app" / "integrations" / "lead_sources"
SECRET = "dingtalk-test-secret"


@pytest.fixture
def secrets(app):
    app.config["CRM_WEBHOOK_SECRET_DINGTALK"] = SECRET
    app.config["CRM_WEBHOOK_SECRET_WECOM"] = "wecom-test-secret"


def dingtalk_message(msg_id="msg-0001", **content) -> dict:
    return {"msgId": msg_id, "conversationId": "cid-42", "senderNick": "Zhang San",
            "senderStaffId": "staff-7",
            "content": {"phone": "13800138000", "company": "Hangzhou Widgets",
                        "region": "east_china", "industry": "manufacturing",
                        "employees": "300", "budget": 80000, "product": "crm_solution",
                        "text": "please call after 2pm", **content}}


def signed(payload, secret=SECRET) -> tuple[bytes, dict]:
    body = json.dumps(payload).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Signature": f"sha256={digest}", "Content-Type": "application/json"}


def deliver(client, payload, source="dingtalk", secret=SECRET, headers=None):
    body, signature = signed(payload, secret)
    return client.post(f"/api/webhooks/leads/{source}", data=body,
                       headers={**signature, **(headers or {})})


def lead_count(app) -> int:
    with app.app_context(), app.extensions["crm_db"].unit_of_work(write=False) as session:
        return session.scalar(select(func.count()).select_from(Lead))


def stored(app, lead_id: int) -> tuple[Lead, list[LeadTouch]]:
    with app.app_context(), app.extensions["crm_db"].unit_of_work(write=False) as session:
        lead = session.get(Lead, lead_id)
        return lead, list(lead.touches)


# -- success ---------------------------------------------------------------------------------

def test_a_signed_dingtalk_message_becomes_a_lead(client, app, secrets):
    response = deliver(client, dingtalk_message())
    assert response.status_code == 201, response.json
    assert set(response.json) == {"id", "status", "merged"}
    lead, touches = stored(app, response.json["id"])
    assert (lead.name, lead.phone, lead.company, lead.company_size, str(lead.budget)) == (
        "Zhang San", "13800138000", "Hangzhou Widgets", 300, "80000.00")
    assert (lead.region, lead.industry, lead.product_interest) == (
        "east_china", "manufacturing", "crm_solution")
    assert lead.source == "webhook:dingtalk" and lead.campaign == "dingtalk-bot"
    assert lead.notes == "please call after 2pm"
    assert lead.custom == {"dingtalk_conversation": "cid-42", "dingtalk_sender": "staff-7"}
    assert lead.created_by is None
    assert touches[0].payload["raw"]["msgId"] == "msg-0001"


def test_a_wecom_callback_maps_through_its_own_file(client, app, secrets):
    payload = {"MsgId": 991, "State": "expo",
               "ExternalContact": {"name": "李雷", "mobile": 13912345678,
                                   "corp_name": "深圳科技", "external_userid": "wm123"},
               "Extra": {"region": "south_china", "product": "analytics"}}
    response = deliver(client, payload, source="wecom", secret="wecom-test-secret")
    assert response.status_code == 201, response.json
    lead, _ = stored(app, response.json["id"])
    assert (lead.name, lead.phone, lead.company) == ("李雷", "13912345678", "深圳科技")
    assert lead.custom == {"wecom_external_userid": "wm123", "wecom_state": "expo"}


def test_the_shipped_source_files_are_valid():
    files = sorted(SOURCES.glob("*.json"))
    assert {f.stem for f in files} >= {"dingtalk", "wecom"}
    for file in files:
        parse_source(file.read_bytes(), file.name)


# -- repeats ---------------------------------------------------------------------------------

def test_a_repeated_delivery_makes_one_lead(client, app, secrets):
    first = deliver(client, dingtalk_message())
    again = deliver(client, dingtalk_message(phone="13900000000"))  # same msgId, changed body
    assert first.status_code == 201 and again.status_code == 200
    assert again.json == {"id": first.json["id"], "status": first.json["status"],
                          "merged": False}
    assert lead_count(app) == 1
    assert len(stored(app, first.json["id"])[1]) == 1


def test_a_repeated_merged_delivery_adds_no_second_touch(client, app, secrets):
    first = deliver(client, dingtalk_message("m1"))
    merged = deliver(client, dingtalk_message("m2"))  # same phone, new message: a touch
    again = deliver(client, dingtalk_message("m2"))  # the same message again: nothing
    assert merged.status_code == again.status_code == 200
    assert merged.json["merged"] is again.json["merged"] is True
    assert merged.json["id"] == again.json["id"] == first.json["id"]
    assert len(stored(app, first.json["id"])[1]) == 2


def test_two_concurrent_deliveries_of_one_event_make_one_lead(app, secrets):
    results, barrier = [], threading.Barrier(4)

    def send():
        client = app.test_client()
        barrier.wait()
        results.append(deliver(client, dingtalk_message("concurrent-1")).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 200, 200, 201]
    assert lead_count(app) == 1


def test_concurrent_different_events_with_one_phone_make_one_lead(app, secrets):
    results, barrier = [], threading.Barrier(3)

    def send(n):
        client = app.test_client()
        barrier.wait()
        results.append(deliver(client, dingtalk_message(f"event-{n}")).status_code)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 200, 201]
    assert lead_count(app) == 1


# -- failures --------------------------------------------------------------------------------

def test_an_unknown_source_is_404(client, secrets):
    for source in ("slack", "..", "DingTalk", "a" * 60):
        response = deliver(client, dingtalk_message(), source=source)
        assert response.status_code == 404, source


def test_a_source_without_its_secret_set_is_404(client, app):
    app.config.pop("CRM_WEBHOOK_SECRET_DINGTALK", None)
    response = deliver(client, dingtalk_message())
    assert response.status_code == 404
    assert "not enabled" in response.json["message"]


@pytest.mark.parametrize("headers", [
    {"X-Signature": "sha256=" + "0" * 64},
    {"X-Signature": ""},
    {"X-Signature": "sha256=not-hex"},
])
def test_a_bad_signature_is_401(client, app, secrets, headers):
    body = json.dumps(dingtalk_message()).encode()
    response = client.post("/api/webhooks/leads/dingtalk", data=body,
                           headers={"Content-Type": "application/json", **headers})
    assert response.status_code == 401
    assert lead_count(app) == 0


def test_a_signature_with_another_secret_or_a_changed_body_is_401(client, secrets):
    wrong_secret = deliver(client, dingtalk_message(), secret="guess")
    assert wrong_secret.status_code == 401
    body, headers = signed(dingtalk_message())
    tampered = client.post("/api/webhooks/leads/dingtalk", data=body + b" ", headers=headers)
    assert tampered.status_code == 401


def test_a_bare_hex_signature_is_accepted(client, secrets):
    body, headers = signed(dingtalk_message())
    headers["X-Signature"] = headers["X-Signature"].removeprefix("sha256=").upper()
    response = client.post("/api/webhooks/leads/dingtalk", data=body, headers=headers)
    assert response.status_code == 201


@pytest.mark.parametrize("change, field, path", [
    ({"phone": "12345"}, "phone", "content.phone"),
    ({"region": "mars"}, "region", "content.region"),
    ({"employees": "lots"}, "company_size", "content.employees"),
    ({"budget": -1}, "budget", "content.budget"),
])
def test_a_payload_that_maps_to_an_invalid_lead_is_422_naming_field_and_path(
        client, app, secrets, change, field, path):
    response = deliver(client, dingtalk_message(**change))
    assert response.status_code == 422, response.json
    assert list(response.json["fields"]) == [field]
    assert f"payload path '{path}'" in response.json["fields"][field][0]
    assert response.json["paths"] == {field: f"payload path '{path}'"}
    assert field in response.json["message"] and path in response.json["message"]
    assert lead_count(app) == 0


def test_a_payload_without_the_sender_is_422_naming_the_missing_path(client, secrets):
    payload = dingtalk_message()
    del payload["senderNick"]
    response = deliver(client, payload)
    assert response.status_code == 422
    assert response.json["fields"]["name"] == [
        "Missing data for required field. (from payload path 'senderNick' (missing))"]


def test_a_payload_without_its_event_id_is_422(client, secrets):
    payload = dingtalk_message()
    del payload["msgId"]
    response = deliver(client, payload)
    assert response.status_code == 422
    assert response.json["fields"] == {"event_id": ["missing at payload path 'msgId'"]}


def test_a_body_that_is_not_a_json_object_is_400(client, secrets):
    for body in (b"not json", b"[1, 2]"):
        digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        response = client.post("/api/webhooks/leads/dingtalk", data=body,
                               headers={"X-Signature": f"sha256={digest}"})
        assert response.status_code == 400


def test_an_oversized_delivery_is_413(client, app, secrets):
    app.config["CAPTURE_MAX_BYTES"] = 1024
    response = deliver(client, dingtalk_message(text="x" * 2000))
    assert response.status_code == 413


# -- the mapping files -----------------------------------------------------------------------

def test_dotted_paths_reach_into_objects_and_lists():
    payload = {"a": {"b": [{"c": 1}, {"c": 2}]}}
    assert lookup(payload, "a.b.1.c") == 2
    assert lookup(payload, "a.x") is lookup(payload, "a.b.5.c") is lookup(payload, "a.b.c")


@pytest.mark.parametrize("source, message", [
    ({"fields": {"name": "n"}}, "'secret_setting' names an environment variable"),
    ({"secret_setting": "DINGTALK", "fields": {"name": "n"}}, "CRM_WEBHOOK_SECRET_"),
    ({"secret_setting": "CRM_WEBHOOK_SECRET_X", "fields": {"phone": "p"}}, "needs at least"),
    ({"secret_setting": "CRM_WEBHOOK_SECRET_X", "fields": {"name": "n", "owner": "o"}},
     "'owner' is not a lead field"),
    ({"secret_setting": "CRM_WEBHOOK_SECRET_X", "fields": {"name": "a..b"}},
     "not a dotted payload path"),
    ({"secret_setting": "CRM_WEBHOOK_SECRET_X", "fields": {"name": "n"}, "extra": 1},
     "unknown keys ['extra']"),
    ({"secret_setting": "CRM_WEBHOOK_SECRET_X", "fields": {"name": "n"},
      "constants": {"status": "closed"}}, "'constants' sets lead fields"),
])
def test_a_broken_source_file_is_refused_naming_the_problem(source, message):
    with pytest.raises(SourceFileError) as caught:
        parse_source(json.dumps(source).encode(), "x.json")
    assert message in str(caught.value)


def test_a_source_file_added_to_the_sources_folder_is_used(client, app, tmp_path):
    (tmp_path / "crm_relay.json").write_text(json.dumps({
        "secret_setting": "CRM_WEBHOOK_SECRET_RELAY",
        "fields": {"name": "who", "email": "contact.mail"}}))
    app.config.update(LEAD_SOURCES_DIR=str(tmp_path), CRM_WEBHOOK_SECRET_RELAY="relay")
    payload = {"who": "Ana", "contact": {"mail": "ana@example.com"}}
    response = deliver(client, payload, source="crm_relay", secret="relay",
                       headers={"Idempotency-Key": "relay-1"})
    assert response.status_code == 201
    again = deliver(client, payload, source="crm_relay", secret="relay",
                    headers={"Idempotency-Key": "relay-1"})
    assert again.status_code == 200 and again.json["id"] == response.json["id"]
