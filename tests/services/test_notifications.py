"""Who gets notified: recipients, preferences, task assignment, due-soon and overdue notices."""

import pytest

from app.errors import Invalid
from app.notifications.templates import UnknownTemplate, render

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="{key}" name="{name}" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="call" name="Call the customer" {attributes}>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call" />
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def one_task_process(key: str, attributes: str, name: str = "First call") -> dict:
    return {f"{key}.bpmn": BPMN.format(key=key, name=name, attributes=attributes)}


def test_recipients_resolve_to_each_active_user_once_plus_raw_addresses(notices, smtp_server):
    notices.set_user("bob", email="bob@example.com")
    made = notices.notify(["alice", "user:alice", "role:sales", "email:bob@example.com",
                           "email:buyer@acme.example", "nobody"], "message",
                          {"subject": "s", "body": "b"})
    assert made == 4  # alice, bob, carol, dave, once each; "nobody" is no user: skipped
    assert sorted(r["recipient"] for r in notices.outbox("email")) == [
        "alice@example.com", "bob@example.com", "buyer@acme.example", "carol@example.com",
        "dave@example.com"]


def test_an_inactive_user_is_not_notified(notices):
    notices.set_user("bob", active=False)
    assert notices.notify(["role:sales"], "message", {"subject": "s"}) == 3  # not bob
    assert notices.inbox("bob") == []


def test_an_unknown_template_or_recipient_kind_is_refused(notices):
    with pytest.raises(UnknownTemplate, match="unknown template 'nope'"):
        notices.notify(["alice"], "nope", {})
    with pytest.raises(Invalid, match="recipient 'team:x'"):
        notices.notify(["team:x"], "message", {})
    with pytest.raises(Invalid, match="needs a process instance"):
        notices.notify(["assignee"], "message", {})
    with pytest.raises(Invalid, match="unknown channels fax"):
        notices.notify(["alice"], "message", {}, channels=["fax"])


def test_templates_render_missing_values_as_empty_and_never_run_the_data(app):
    with app.app_context():
        text = render("message", "en", {"subject": "{{ 7 * 7 }}", "body": None})
        assert (text.subject, text.body) == ("{{ 7 * 7 }}", "")
        text = render("task_overdue", "zh-CN", {})
        assert text.subject == "已逾期："
        text = render("approval_decided", "zh", {"title": "Q-9", "approved": True,
                                                 "user": {"display_name": "Sam"}})
        assert text.subject == "Q-9：已批准" and text.body.startswith("Sam，您好")


def test_a_channel_turned_off_gets_nothing(app, notices, smtp_server):
    with app.app_context(), app.extensions["crm_db"].unit_of_work():
        from app.services import notifications, users

        notifications.set_preferences(users.find("alice"), {"email": False})
        notifications.set_preferences(users.find("bob"), {"inapp": False})
    notices.notify(["alice", "bob"], "message", {"subject": "s", "body": "b"})
    assert [r["recipient"] for r in notices.outbox("email")] == ["bob@example.com"]
    assert len(notices.inbox("alice")) == 1 and notices.inbox("bob") == []


def test_a_new_task_notifies_its_assignee(api, notices, smtp_server):
    notices.set_user("bob", language="zh-CN", display_name="李波")
    api.deploy_text(one_task_process("first_call", 'camunda:assignee="${owner}" '
                                                   'camunda:dueDate="PT24H"'))
    instance = api.as_("alice").start("first_call", business_key="ACME",
                                      variables={"owner": "bob"})
    task_id = instance["active_tasks"][0]["id"]
    [notice] = notices.inbox("bob")
    assert notice["template"] == "task_assigned" and notice["task_id"] == task_id
    assert notice["title"] == "新任务：Call the customer"
    assert "First call（ACME） 的任务“Call the customer”已分配给您。" in notice["body"]
    assert "截止时间：" in notice["body"]
    assert notices.inbox("alice") == []
    assert notices.deliver() == 1
    assert smtp_server.received[0].subject == "新任务：Call the customer"


def test_an_unassigned_task_notifies_everybody_in_its_candidate_groups(api, notices):
    api.deploy_text(one_task_process("triage", 'camunda:candidateGroups="sales"'))
    api.as_("mia").start("triage")
    for person in ("alice", "bob"):
        [notice] = notices.inbox(person)
        assert "is offered to your group (sales)" in notice["body"]
    assert notices.inbox("sam") == [] and notices.inbox("mia") == []


def test_due_soon_and_overdue_notices_go_out_once_each(api, notices):
    api.deploy_text(one_task_process("first_call", 'camunda:assignee="${owner}" '
                                                   'camunda:dueDate="PT24H"'))
    api.as_("mia").start("first_call", variables={"owner": "alice"})
    assert notices.check_due() == 0
    api.advance_clock("PT21H")  # due in 3 h: within CRM_DUE_SOON_HOURS (4)
    assert notices.check_due() == 1
    assert notices.check_due() == 0
    api.advance_clock("PT4H")  # 1 h late
    assert notices.check_due() == 1
    api.advance_clock("PT25H")
    assert notices.check_due() == 0
    assert [n["template"] for n in notices.inbox("alice")] == [
        "task_assigned", "task_due_soon", "task_overdue"]


def test_a_task_found_overdue_gets_no_due_soon_notice_and_a_completed_one_none(api, notices):
    api.deploy_text(one_task_process("first_call", 'camunda:assignee="${owner}" '
                                                   'camunda:dueDate="PT1H"'))
    late = api.as_("mia").start("first_call", variables={"owner": "alice"})
    done = api.as_("mia").start("first_call", variables={"owner": "bob"})
    api.as_("bob").complete(done["active_tasks"][0]["id"])
    api.advance_clock("PT25H")
    assert notices.check_due() == 1
    assert [n["template"] for n in notices.inbox("alice")] == ["task_assigned", "task_overdue"]
    assert [n["template"] for n in notices.inbox("bob")] == ["task_assigned"]
    assert late["active_tasks"][0]["id"] == notices.inbox("alice")[1]["task_id"]


def test_a_failing_notice_never_fails_the_workflow_step(api, monkeypatch):
    from app.services import notifications

    def broken(task):
        raise RuntimeError("template engine exploded")

    monkeypatch.setattr(notifications, "task_assigned", broken)
    api.deploy("bpmn/parallel_review.bpmn")
    instance = api.as_("alice").start("parallel_review")
    assert instance["status"] == "running" and len(instance["active_tasks"]) == 2


def test_a_failing_due_check_does_not_hold_up_the_outbox(api, app, notices, smtp_server,
                                                         monkeypatch):
    from app.services import notifications

    notices.notify(["alice"], "message", {"subject": "Hello", "body": "there"})
    monkeypatch.setattr(notifications, "check_due_tasks",
                        lambda limit=200: (_ for _ in ()).throw(RuntimeError("boom")))
    api.tick(app)
    assert [m.rcpt_tos for m in smtp_server.received] == [["alice@example.com"]]


def test_a_multi_line_task_name_still_makes_a_one_line_mail_subject(api, notices, smtp_server):
    notices.notify(["alice"], "message", {"subject": "Call\ncustomer\n today", "body": "b"})
    assert notices.deliver() == 1
    [mail] = smtp_server.received
    assert mail.subject == "Call customer today"


def test_a_group_notice_costs_a_few_queries_not_a_few_per_member(app, notices):
    from sqlalchemy import event

    from app.services import notifications, users

    with app.app_context(), app.extensions["crm_db"].unit_of_work():
        for number in range(60):
            users.create(f"rep{number}", "secret", ["sales"])
    statements = []
    engine = app.extensions["crm_db"].engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    with app.app_context(), app.extensions["crm_db"].unit_of_work():
        event.listen(engine, "before_cursor_execute", listener)
        try:
            made = notifications.notify(["role:sales"], "message", {"subject": "s", "body": "b"})
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    assert len(made) == 64  # alice, bob, carol, dave and the 60 reps
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 5, selects
