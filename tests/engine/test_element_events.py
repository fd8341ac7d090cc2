"""Events in diagrams as Camunda Modeler saves them: timers, messages, signals, errors,
escalations, terminate, event-based gateways and event subprocesses, through the JSON API."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from test_elements import finish, open_tasks, path, task_of


@pytest.fixture
def mia(api):
    return api.as_("mia")


def send(api, name: str, business_key: str, payload: dict | None = None, expect: int = 200):
    response = api.as_("mia").post("/api/messages", json={
        "name": name, "correlation": {"business_key": business_key}, "payload": payload or {}})
    assert response.status_code == expect, response.json
    return response.json


def waits(instance: dict) -> list[tuple[str, str, str]]:
    return sorted((w["kind"], w["name"], w["element_id"]) for w in instance["waiting_for"])


# -- event subprocesses --------------------------------------------------------------

def test_non_interrupting_message_event_subprocess_runs_beside_the_main_flow(api, mia):
    api.deploy("bpmn/elements/event_subprocess.bpmn")
    instance = mia.start("el_event_subprocess", business_key="deal-7")
    assert open_tasks(instance) == ["negotiate"]
    assert {"kind": "message", "name": "change_requested"} in [
        {k: w[k] for k in ("kind", "name")} for w in instance["waiting_for"]]

    response = mia.post("/api/messages", json={
        "name": "change_requested", "correlation": {"business_key": "deal-7"},
        "payload": {"change": "extend term"}})
    assert response.status_code == 200, response.json
    instance = mia.instance(instance["id"])
    assert open_tasks(instance) == ["negotiate", "review_change"]
    assert instance["variables"]["change"] == "extend term"

    instance = finish(mia, instance, "review_change")
    assert open_tasks(instance) == ["negotiate"]
    instance = finish(mia, instance, "negotiate")
    assert instance["status"] == "completed"


def test_non_interrupting_timer_event_subprocess_nudges_after_a_week(api, app, mia):
    api.deploy("bpmn/elements/timer_event_subprocess.bpmn")
    instance = mia.start("el_timer_event_subprocess")
    assert [t["element_id"] for t in instance["timers"]] == ["week_passed"]
    api.advance_clock("P7DT1M")
    assert api.tick(app) == 1
    instance = mia.instance(instance["id"])
    assert open_tasks(instance) == ["negotiate", "nudge_owner"]
    instance = finish(mia, instance, "nudge_owner")
    instance = finish(mia, instance, "negotiate")
    assert instance["status"] == "completed"



# -- timers ----------------------------------------------------------------------------------

def test_interrupting_boundary_timer_cancels_the_task_and_opens_the_escalation(api, app, mia):
    api.deploy("bpmn/elements/boundary_timer.bpmn")
    instance = mia.start("el_boundary_timer")
    assert open_tasks(instance) == ["approve_quote"]
    assert [t["element_id"] for t in instance["timers"]] == ["overdue"]

    api.advance_clock("PT23H")
    assert api.tick(app) == 0
    assert open_tasks(mia.instance(instance["id"])) == ["approve_quote"]

    api.advance_clock("PT2H")
    assert api.tick(app) == 1
    instance = mia.instance(instance["id"])
    assert open_tasks(instance) == ["escalate"]
    assert [(t["element_id"], t["status"]) for t in instance["history"]] == [
        ("approve_quote", "cancelled")]
    assert instance["timers"] == []
    instance = finish(mia, instance, "escalate")
    assert instance["status"] == "completed"
    assert "escalated" in path(instance) and "approved" not in path(instance)


def test_completing_the_task_before_the_boundary_timer_disarms_it(api, app, mia):
    api.deploy("bpmn/elements/boundary_timer.bpmn")
    instance = mia.start("el_boundary_timer")
    instance = finish(mia, instance, "approve_quote")
    assert instance["status"] == "completed"
    assert instance["timers"] == []
    api.advance_clock("PT25H")
    assert api.tick(app) == 0


def test_interrupting_boundary_message_cancels_the_task_and_its_timer(api, app, mia):
    api.deploy("bpmn/elements/boundary_timer.bpmn")
    instance = mia.start("el_boundary_timer", business_key="quote-4")
    assert waits(instance) == [("message", "quote_withdrawn", "quote_withdrawn")]
    send(api, "quote_withdrawn", "quote-4")
    instance = mia.instance(instance["id"])
    assert instance["status"] == "completed"
    assert instance["timers"] == [] and instance["waiting_for"] == []
    assert instance["history"][0]["status"] == "cancelled"
    api.advance_clock("PT25H")
    assert api.tick(app) == 0


def test_non_interrupting_boundary_timer_runs_the_reminder_and_keeps_the_task(api, app, mia):
    api.deploy("bpmn/elements/reminder_timer.bpmn")
    instance = mia.start("el_reminder_timer")
    task_id = task_of(instance, "send_quote")["id"]
    api.advance_clock("P2DT1M")
    assert api.tick(app) == 1
    instance = mia.instance(instance["id"])
    assert instance["status"] == "running"
    assert task_of(instance, "send_quote")["id"] == task_id
    assert instance["variables"]["reminded"] == "yes"
    assert "reminder_sent" in path(instance)
    assert instance["timers"] == []
    instance = finish(mia, instance, "send_quote")
    assert instance["status"] == "completed"


def test_timer_cycle_fires_twice_then_stops(api, app, mia):
    api.deploy("bpmn/elements/timer_cycle.bpmn")
    instance = mia.start("el_timer_cycle")
    for turn in (1, 2):
        api.advance_clock("PT1H1M")
        assert api.tick(app) == 1
        instance = mia.instance(instance["id"])
        assert path(instance).count("reminder_sent") == turn
        assert open_tasks(instance) == ["send_quote"]
    assert instance["timers"] == []
    api.advance_clock("PT1H1M")
    assert api.tick(app) == 0
    assert path(mia.instance(instance["id"])).count("reminder_sent") == 2
    instance = finish(mia, instance, "send_quote")
    assert instance["status"] == "completed"


def test_intermediate_timer_waits_three_days_then_runs_on(api, app, mia):
    api.deploy("bpmn/elements/wait_timer.bpmn")
    instance = mia.start("el_wait_timer")
    assert instance["status"] == "waiting"
    assert instance["active_tasks"] == []
    assert [t["element_id"] for t in instance["timers"]] == ["wait_3_days"]

    api.advance_clock("P2D")
    assert api.tick(app) == 0
    assert mia.instance(instance["id"])["status"] == "waiting"

    api.advance_clock("P1DT1M")
    assert api.tick(app) == 1
    instance = mia.instance(instance["id"])
    assert instance["status"] == "running"
    assert open_tasks(instance) == ["follow_up"]
    assert instance["timers"] == []


def test_timer_date_from_process_data_fires_on_that_date(api, app, mia):
    now = api.advance_clock("PT0S")["now"]
    due = (datetime.fromisoformat(now) + timedelta(days=10)).astimezone(
        timezone(timedelta(hours=8))).isoformat()
    api.deploy("bpmn/elements/wait_until.bpmn")
    instance = mia.start("el_wait_until", variables={"follow_up_at": due})
    assert datetime.fromisoformat(instance["timers"][0]["due_at"].replace("Z", "+00:00")) \
        == datetime.fromisoformat(due)
    api.advance_clock("P9D")
    assert api.tick(app) == 0
    api.advance_clock("P1DT1M")
    assert api.tick(app) == 1
    assert open_tasks(mia.instance(instance["id"])) == ["follow_up"]


# -- event-based gateway ---------------------------------------------------------------------

def test_event_gateway_takes_the_message_when_it_comes_first(api, app, mia):
    api.deploy("bpmn/elements/event_gateway.bpmn")
    instance = mia.start("el_event_gateway", business_key="deal-1")
    assert instance["status"] == "waiting"
    assert [t["element_id"] for t in instance["timers"]] == ["week_passed"]
    response = mia.post("/api/messages", json={
        "name": "contract_signed", "correlation": {"business_key": "deal-1"},
        "payload": {"signed_by": "Grace"}})
    assert response.status_code == 200, response.json
    instance = mia.instance(instance["id"])
    assert open_tasks(instance) == ["onboard"]
    assert instance["variables"]["signed_by"] == "Grace"
    assert instance["timers"] == [] and instance["waiting_for"] == []
    api.advance_clock("P8D")
    assert api.tick(app) == 0
    assert open_tasks(mia.instance(instance["id"])) == ["onboard"]


def test_event_gateway_takes_the_timer_when_it_fires_first(api, app, mia):
    api.deploy("bpmn/elements/event_gateway.bpmn")
    instance = mia.start("el_event_gateway", business_key="deal-2")
    api.advance_clock("P7DT1M")
    assert api.tick(app) == 1
    instance = mia.instance(instance["id"])
    assert open_tasks(instance) == ["chase"]
    assert instance["waiting_for"] == []
    response = mia.post("/api/messages", json={
        "name": "contract_signed", "correlation": {"business_key": "deal-2"}, "payload": {}})
    assert response.status_code == 404, response.json


def test_event_gateway_takes_the_message_that_came(api, mia):
    api.deploy("bpmn/elements/event_gateway.bpmn")
    instance = mia.start("el_event_gateway", business_key="deal-3")
    assert waits(instance) == [("message", "contract_declined", "contract_declined"),
                               ("message", "contract_signed", "contract_signed")]
    send(api, "contract_declined", "deal-3")
    instance = mia.instance(instance["id"])
    assert instance["status"] == "completed"
    assert "lost" in path(instance) and "onboard" not in path(instance)


# -- messages --------------------------------------------------------------------------------

def test_message_catch_and_receive_task_wait_for_their_messages(api, mia):
    api.deploy("bpmn/elements/message_catch.bpmn")
    instance = mia.start("el_message_catch", business_key="order-9")
    assert instance["status"] == "waiting"
    assert waits(instance) == [("message", "purchase_order", "po_received")]

    send(api, "payment", "order-9", expect=404)  # nobody waits for the payment yet
    send(api, "purchase_order", "order-9", {"po_number": "PO-1"})
    instance = mia.instance(instance["id"])
    assert instance["status"] == "waiting"
    assert waits(instance) == [("message", "payment", "payment_received")]

    send(api, "payment", "order-9", {"paid": 1200})
    instance = mia.instance(instance["id"])
    assert open_tasks(instance) == ["book_revenue"]
    assert instance["variables"]["po_number"] == "PO-1"
    assert instance["variables"]["paid"] == 1200


def test_message_to_another_business_key_does_not_reach_the_instance(api, mia):
    api.deploy("bpmn/elements/message_catch.bpmn")
    instance = mia.start("el_message_catch", business_key="order-1")
    send(api, "purchase_order", "order-2", expect=404)
    assert mia.instance(instance["id"])["status"] == "waiting"


def test_send_task_and_message_throw_reach_the_instance_with_the_same_business_key(api, mia):
    api.deploy("bpmn/elements/send_task.bpmn", "bpmn/elements/quote_receiver.bpmn")
    customer = mia.start("el_quote_receiver", business_key="acme")
    other = mia.start("el_quote_receiver", business_key="globex")
    sender = mia.start("el_quote_sender", business_key="acme")
    sender = finish(mia, sender, "prepare_quote", {"total": 9900})
    assert sender["status"] == "completed"

    customer = mia.instance(customer["id"])
    assert open_tasks(customer) == ["review_quote"]
    assert customer["variables"]["total"] == 9900
    assert customer["variables"]["invoice_amount"] == 9900
    assert {"quote_arrives", "invoice_arrives"} <= set(path(customer))
    assert mia.instance(other["id"])["status"] == "waiting"


def test_a_thrown_message_without_a_business_key_reaches_no_other_deal(api, mia):
    api.deploy("bpmn/elements/send_task.bpmn", "bpmn/elements/quote_receiver.bpmn")
    customer = mia.start("el_quote_receiver", business_key="acme")
    sender = mia.start("el_quote_sender")
    sender = finish(mia, sender, "prepare_quote", {"total": 9900})
    assert sender["status"] == "completed"
    customer = mia.instance(customer["id"])
    assert customer["status"] == "waiting" and "total" not in customer["variables"]


def test_two_deals_with_the_same_business_key_get_no_message_rather_than_a_guess(api, mia):
    api.deploy("bpmn/elements/send_task.bpmn", "bpmn/elements/quote_receiver.bpmn")
    first = mia.start("el_quote_receiver", business_key="acme")
    second = mia.start("el_quote_receiver", business_key="acme")
    finish(mia, mia.start("el_quote_sender", business_key="acme"), "prepare_quote",
           {"total": 1})
    assert mia.instance(first["id"])["status"] == "waiting"
    assert mia.instance(second["id"])["status"] == "waiting"


def test_request_and_reply_between_two_processes(api, mia):
    api.deploy("bpmn/elements/ping.bpmn", "bpmn/elements/pong.bpmn")
    ping = mia.start("el_ping", business_key="deal-1", variables={"forever": False})
    ping = finish(mia, ping, "kick_off")
    assert ping["status"] == "completed"
    pongs = mia.get("/api/process-instances?process_key=el_pong").json["items"]
    assert [p["status"] for p in pongs] == ["completed"]


def test_messages_that_keep_triggering_messages_stop_after_a_bounded_chain(api, mia):
    from app.services.messages import MAX_HOPS

    api.deploy("bpmn/elements/ping.bpmn", "bpmn/elements/pong.bpmn")
    ping = mia.start("el_ping", business_key="deal-1", variables={"forever": True})
    response = mia.post(f"/api/tasks/{task_of(ping, 'kick_off')['id']}/complete",
                        json={"data": {}})
    assert response.status_code == 200
    pongs = mia.get("/api/process-instances?process_key=el_pong").json["total"]
    assert 0 < pongs <= MAX_HOPS
    assert mia.instance(ping["id"])["status"] == "waiting"


def test_message_start_event_starts_a_new_instance(api, mia):
    api.deploy("bpmn/elements/message_start.bpmn")
    body = send(api, "web_enquiry", "lead-5", {"email": "ada@example.com"}, expect=201)
    assert body["started"] is True
    instance = mia.instance(body["instance"]["id"])
    assert instance["business_key"] == "lead-5"
    assert open_tasks(instance) == ["call_back"]
    assert instance["variables"]["email"] == "ada@example.com"


# -- errors, escalations, signals, terminate --------------------------------------------------

def test_error_end_event_is_caught_by_the_boundary_error_event_of_the_subprocess(api, mia):
    api.deploy("bpmn/elements/error_boundary.bpmn")
    instance = mia.start("el_error_boundary")
    instance = finish(mia, instance, "assess", {"approved": False})
    assert instance["status"] == "running"
    assert open_tasks(instance) == ["ask_prepayment"]
    assert {"credit_refused", "refused"} <= set(path(instance))
    instance = finish(mia, instance, "ask_prepayment")
    assert instance["status"] == "completed"
    assert "ship" not in path(instance)


def test_subprocess_without_error_continues_on_its_normal_flow(api, mia):
    api.deploy("bpmn/elements/error_boundary.bpmn")
    instance = mia.start("el_error_boundary")
    instance = finish(mia, instance, "assess", {"approved": True})
    assert open_tasks(instance) == ["ship"]


def test_escalation_opens_the_director_task_while_negotiation_goes_on(api, mia):
    api.deploy("bpmn/elements/escalation.bpmn")
    instance = mia.start("el_escalation")
    instance = finish(mia, instance, "propose", {"discount": 30})
    assert open_tasks(instance) == ["director_approval", "finalize"]
    instance = finish(mia, instance, "director_approval")
    instance = finish(mia, instance, "finalize")
    assert instance["status"] == "completed"


def test_no_escalation_without_the_big_discount(api, mia):
    api.deploy("bpmn/elements/escalation.bpmn")
    instance = mia.start("el_escalation")
    instance = finish(mia, instance, "propose", {"discount": 5})
    assert open_tasks(instance) == ["finalize"]


def test_signal_thrown_in_one_branch_is_caught_in_the_other(api, mia):
    api.deploy("bpmn/elements/signal.bpmn")
    instance = mia.start("el_signal")
    assert open_tasks(instance) == ["countersign"]
    assert waits(instance) == [("signal", "contract_countersigned", "wait_signed")]
    instance = finish(api.as_("lena"), instance, "countersign")
    assert open_tasks(instance) == ["ship"]
    assert instance["waiting_for"] == []
    instance = finish(mia, instance, "ship")
    assert instance["status"] == "completed"


def test_terminate_end_event_ends_the_instance_and_its_other_branch(api, mia):
    api.deploy("bpmn/elements/terminate.bpmn")
    instance = mia.start("el_terminate")
    assert open_tasks(instance) == ["prepare_demo", "record_loss"]
    instance = finish(mia, instance, "record_loss", {"reason": "price"})
    assert instance["status"] == "completed"
    assert instance["active_tasks"] == []
    assert ("prepare_demo", "cancelled") in [(t["element_id"], t["status"])
                                             for t in instance["history"]]
    assert "deal_lost" in path(instance) and "demo_ready" not in path(instance)


def test_interrupting_message_event_subprocess_cancels_the_main_flow(api, mia):
    api.deploy("bpmn/elements/interrupting_event_subprocess.bpmn")
    instance = mia.start("el_interrupting_event_subprocess", business_key="deal-8")
    assert waits(instance) == [("message", "deal_withdrawn", "withdrawn")]
    send(api, "deal_withdrawn", "deal-8", {"reason": "budget cut"})
    instance = mia.instance(instance["id"])
    assert open_tasks(instance) == ["close_as_lost"]
    assert ("negotiate", "cancelled") in [(t["element_id"], t["status"])
                                          for t in instance["history"]]
    instance = finish(mia, instance, "close_as_lost")
    assert instance["status"] == "completed"
    assert "end" not in path(instance)


def test_event_subprocess_that_never_started_does_not_hold_the_instance_open(api, app, mia):
    api.deploy("bpmn/elements/timer_event_subprocess.bpmn")
    instance = mia.start("el_timer_event_subprocess")
    instance = finish(mia, instance, "negotiate")
    assert instance["status"] == "completed"
    assert instance["timers"] == []


def test_message_event_subprocess_behaves_the_same_in_every_instance(api, mia):
    """Triggering it in one instance must not change how the next instance runs."""
    api.deploy("bpmn/elements/event_subprocess.bpmn")
    first = mia.start("el_event_subprocess", business_key="deal-a")
    send(api, "change_requested", "deal-a")
    second = mia.start("el_event_subprocess", business_key="deal-b")
    assert open_tasks(second) == ["negotiate"]
    second = finish(mia, second, "negotiate")
    assert second["status"] == "completed"
    assert open_tasks(mia.instance(first["id"])) == ["negotiate", "review_change"]


def test_non_interrupting_event_subprocess_runs_for_every_message(api, mia):
    api.deploy("bpmn/elements/event_subprocess.bpmn")
    instance = mia.start("el_event_subprocess", business_key="deal-c")
    send(api, "change_requested", "deal-c", {"change": "one"})
    send(api, "change_requested", "deal-c", {"change": "two"})
    instance = mia.instance(instance["id"])
    assert open_tasks(instance) == ["negotiate", "review_change", "review_change"]
    instance = finish(mia, instance, "negotiate")
    assert instance["status"] == "running"
    for task in [t for t in instance["active_tasks"]]:
        mia.complete(task["id"])
    assert mia.instance(instance["id"])["status"] == "completed"


def test_interrupting_timer_event_subprocess_takes_over_when_the_week_is_up(api, app, mia):
    api.deploy("bpmn/elements/interrupting_timer_event_subprocess.bpmn")
    instance = mia.start("el_interrupting_timer_event_subprocess")
    api.advance_clock("P7DT1M")
    assert api.tick(app) == 1
    instance = mia.instance(instance["id"])
    assert open_tasks(instance) == ["take_over_deal"]
    assert instance["history"][0]["element_id"] == "negotiate"
    assert instance["history"][0]["status"] == "cancelled"
    instance = finish(mia, instance, "take_over_deal")
    assert instance["status"] == "completed"
