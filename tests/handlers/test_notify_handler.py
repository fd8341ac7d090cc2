"""The notify service task: processes tell people things; delivery never fails the step."""

import pytest
from local_servers import free_port

from app.handlers.notify import expand_recipients

NOTIFY_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="{key}" name="Deal won" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="tell" name="Tell the team" camunda:topic="notify">
      <bpmn:extensionElements><camunda:properties>{properties}</camunda:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="tell" />
    <bpmn:sequenceFlow id="f2" sourceRef="tell" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def notify_process(key: str, **properties) -> dict:
    props = "".join(f'<camunda:property name="{k}" value="{v}" />'
                    for k, v in properties.items())
    return {f"{key}.bpmn": NOTIFY_PROCESS.format(key=key, properties=props)}


def test_recipients_expand_process_variables():
    data = {"owner": "alice", "deal": {"approvers": ["sam", "fiona"]}, "note": "x y"}
    assert expand_recipients("${owner}, role:manager, owner, assignee, ${deal.approvers}, lena",
                             data) == ["user:alice", "role:manager", "user:alice", "assignee",
                                       "user:sam", "user:fiona", "lena"]
    with pytest.raises(ValueError, match="variable 'missing' is not set"):
        expand_recipients("${missing}", data)


def test_a_variable_can_name_people_but_not_roles_or_outside_addresses():
    typed = {"owner": "alice, role:sales, email:leak@evil.example"}
    with pytest.raises(ValueError, match="not usernames"):
        expand_recipients("${owner}", typed)


def test_a_boundary_timer_reminds_the_assignee_through_the_notify_task(
        app, api, notices, smtp_server, http_server):
    app.config["WEBHOOK_URLS"] = [f"{http_server.url}/robot"]
    api.deploy("bpmn/call_reminder.bpmn")
    instance = api.as_("mia").start("call_reminder", business_key="ACME",
                                    variables={"owner": "alice"})
    assert notices.deliver() == 1  # the task_assigned email to alice
    api.advance_clock("PT25H")
    assert api.tick(app) == 1
    instance = api.as_("mia").instance(instance["id"])
    assert instance["status"] == "running"  # the reminder did not take the task away
    assert [t["element_id"] for t in instance["active_tasks"]] == ["first_call"]
    reminders = [n for n in notices.inbox("alice") if n["template"] == "task_overdue"]
    assert [n["title"] for n in reminders] == ["Overdue: Call the customer"]
    assert reminders[0]["task_id"] == instance["active_tasks"][0]["id"]
    assert [n["template"] for n in notices.inbox("mia")] == ["task_overdue"]
    notices.deliver()  # the tick delivered already: nothing is sent twice
    assert sorted(m.rcpt_tos[0] for m in smtp_server.received) == [
        "alice@example.com", "alice@example.com", "mia@example.com"]
    [post] = http_server.received
    assert post.json["text"]["content"].startswith("Overdue: Call the customer\nThe task "
                                                   "\"Call the customer\" of First call (ACME)")


def test_a_notify_task_reaches_variables_roles_and_addresses(api, notices, smtp_server):
    api.deploy_text(notify_process(
        "deal_won", recipients="${owner}, role:manager, email:boss@acme.example",
        template="message", subject="Deal won", body="The ACME deal is signed."))
    instance = api.as_("alice").start("deal_won", variables={"owner": "bob"})
    assert instance["status"] == "completed"
    assert [n["title"] for n in notices.inbox("bob")] == ["Deal won"]
    assert [n["body"] for n in notices.inbox("mia")] == ["The ACME deal is signed."]
    assert notices.deliver() == 3
    assert sorted(m.rcpt_tos[0] for m in smtp_server.received) == [
        "bob@example.com", "boss@acme.example", "mia@example.com"]


def test_a_failing_mail_server_never_fails_the_step_and_every_try_is_recorded(
        app, api, notices):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TLS="none")
    api.deploy_text(notify_process("deal_won", recipients="bob", template="message",
                                   subject="Deal won"))
    instance = api.as_("alice").start("deal_won")
    assert instance["status"] == "completed"
    assert notices.deliver() == 0
    api.advance_clock("PT1M")
    assert notices.deliver() == 0
    [row] = notices.outbox("email")
    assert (row["status"], row["attempts"]) == ("pending", 2)
    assert [a["ok"] for a in notices.attempts(row["id"])] == [False, False]
    assert api.as_("alice").instance(instance["id"])["status"] == "completed"
    assert [n["title"] for n in notices.inbox("bob")] == ["Deal won"]


def test_an_unknown_template_or_no_recipients_is_refused_at_deployment(api):
    response = api.deploy_text(notify_process("deal_won", recipients="", template="nope",
                                              channels="inapp,fax"), expect=400)
    reasons = [p["reason"] for p in response.json["problems"]]
    assert all(p["element_id"] for p in response.json["problems"])
    assert any("template 'nope', which does not exist" in r for r in reasons)
    assert any("needs a 'recipients' property" in r for r in reasons)
    assert any("unknown channels ['fax']" in r for r in reasons)


def test_an_unset_recipient_variable_fails_the_step_clearly(api):
    api.deploy_text(notify_process("deal_won", recipients="${owner}", template="message"))
    instance = api.as_("alice").start("deal_won")
    assert instance["status"] == "error"
    assert "variable 'owner' is not set" in instance["error"]["message"]
