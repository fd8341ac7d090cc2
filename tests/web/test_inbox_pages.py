"""The task inbox, the task page and the notifications page, driven by the shipped follow-up
SOP: a captured East-China manufacturing lead goes to alice, whose "First call" it opens."""

from __future__ import annotations

import re

import pytest
from page_text import field_block, text_of


@pytest.fixture
def first_call(api, alices_lead):
    """Alice captures a lead the routing table gives to her: her First call task."""
    task = api.as_("alice").get("/api/tasks?assignee=me").json["items"][0]
    assert task["element_id"] == "first_call"
    return {**task, "lead_id": alices_lead["id"]}


# -- signing in and who sees what ------------------------------------------------------------

@pytest.mark.parametrize("path", ["/inbox", "/notifications", "/tasks/whatever"])
def test_anonymous_people_are_sent_to_sign_in(pages, path):
    response = pages.anonymous().get(path)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_the_inbox_lists_my_task_with_its_process_owner_and_buttons(pages, first_call):
    html = text_of(pages.as_("alice").get("/inbox"))
    row = re.search(r'<tr data-testid="task-row"[^>]*>', html).group(0)
    assert f'data-task-id="{first_call["id"]}"' in row and 'data-element-id="first_call"' in row
    assert "Call the lead" in html  # the form's title, not the BPMN name
    assert "Lead follow-up" in html and f"lead:{first_call['lead_id']}" in html
    assert 'data-testid="unclaim"' in html and 'data-testid="claim"' not in html
    assert 'href="/approvals/' not in html  # not an approval


def test_the_inbox_speaks_chinese(pages, first_call):
    alice = pages.as_("alice")
    alice.post("/language", {"language": "zh-CN", "next": "/inbox"})
    html = text_of(alice.get("/inbox"))
    assert "我的待办" in html and "致电线索" in html and "退回" in html


def test_filters_mine_and_all(pages, first_call):
    mia = pages.as_("mia")  # a manager: sees every task, holds none
    assert first_call["id"] in text_of(mia.get("/inbox"))
    mine = text_of(mia.get("/inbox?show=mine"))
    assert first_call["id"] not in mine and "No tasks here" in mine
    done = text_of(pages.as_("alice").get("/inbox?status=completed"))
    assert first_call["id"] not in done


def test_due_soon_then_overdue_badges_follow_the_clock(api, pages, first_call):
    alice = pages.as_("alice")
    assert 'class="pill due-soon"' not in text_of(alice.get("/inbox"))
    api.advance_clock("PT21H")  # due in 24 h; "due soon" within CRM_DUE_SOON_HOURS (4)
    html = text_of(alice.get("/inbox"))
    assert 'class="pill due-soon"' in html and "Due soon" in html
    api.advance_clock("PT4H")
    html = text_of(alice.get("/inbox"))
    assert 'class="pill overdue"' in html and "Overdue" in html


# -- claiming --------------------------------------------------------------------------------

def test_claiming_a_task_someone_else_holds_is_a_message(pages, first_call):
    bob = pages.as_("bob")  # in sales, like the task's group, but alice holds it
    response = bob.post(f"/tasks/{first_call['id']}/claim", {"next": "/inbox"})
    assert response.status_code == 302 and response.location == "/inbox"
    html = text_of(bob.get("/inbox"))
    assert "could not be claimed" in html and "claimed by alice" in html


def test_give_back_then_a_colleague_claims(pages, first_call):
    alice, bob = pages.as_("alice"), pages.as_("bob")
    response = alice.post(f"/tasks/{first_call['id']}/unclaim")
    assert response.status_code == 302
    assert "back with its group" in text_of(alice.get("/inbox"))
    assert 'data-testid="claim"' in text_of(bob.get("/inbox"))
    bob.post(f"/tasks/{first_call['id']}/claim")
    html = text_of(bob.get("/inbox"))
    assert "The task is yours now." in html
    assert 'data-testid="unclaim"' in html


def test_a_form_post_without_the_csrf_token_is_refused(pages, first_call):
    alice = pages.as_("alice")
    response = alice.post(f"/tasks/{first_call['id']}/claim", csrf=False)
    assert response.status_code == 400 and "expired" in text_of(response)
    response = alice.post(f"/tasks/{first_call['id']}/complete",
                          {"notes": "x", "intent": "high"}, csrf=False)
    assert response.status_code == 400


# -- the task page ---------------------------------------------------------------------------

def test_the_task_page_shows_the_form_the_process_and_its_data(pages, first_call):
    html = text_of(pages.as_("alice").get(f"/tasks/{first_call['id']}"))
    assert "<h1>Call the lead</h1>" in html
    assert "Call notes" in html and "High: send material" in html
    assert "Lead follow-up" in html
    assert f'href="/leads/{first_call["lead_id"]}"' in html
    assert 'data-testid="task-summary"' in html and "lead_id" in html
    assert 'data-testid="complete"' in html


def test_an_unknown_task_is_a_404_page(pages, first_call):
    response = pages.as_("alice").get("/tasks/no-such-task")
    assert response.status_code == 404 and "Not found" in text_of(response)


def test_a_task_not_offered_to_me_is_a_403_page(pages, first_call):
    response = pages.as_("lena").get(f"/tasks/{first_call['id']}")
    assert response.status_code == 403 and "Not allowed" in text_of(response)


def test_a_missing_required_field_is_422_next_to_it_keeping_what_was_typed(pages,
                                                                            first_call):
    alice = pages.as_("alice")
    response = alice.post(f"/tasks/{first_call['id']}/complete",
                          {"notes": "  ", "intent": "nurture", "recontact_days": "12"})
    assert response.status_code == 422
    html = text_of(response)
    assert "Missing data for required field" in field_block(html, "notes")
    assert '<option value="nurture" selected>' in field_block(html, "intent")
    assert 'value="12"' in field_block(html, "recontact_days")
    assert "Please correct the marked fields." in html
    # nothing happened: the task is still open and alice's
    assert first_call["id"] in text_of(alice.get("/inbox"))


def test_the_field_message_is_in_chinese_on_a_chinese_page(pages, first_call):
    alice = pages.as_("alice")
    alice.post("/language", {"language": "zh-CN"})
    response = alice.post(f"/tasks/{first_call['id']}/complete", {"intent": "high"})
    assert response.status_code == 422
    assert "此项为必填。" in field_block(text_of(response), "notes")


def test_completing_goes_on_to_the_next_task_of_the_same_process(api, pages, first_call):
    alice = pages.as_("alice")
    response = alice.post(f"/tasks/{first_call['id']}/complete",
                          {"notes": "wants a CRM for 200 reps", "intent": "high"})
    assert response.status_code == 302
    assert response.location.startswith("/tasks/")
    html = text_of(alice.get(response.location))
    assert "“Call the lead” is completed." in html
    send_material = api.as_("alice").get("/api/tasks?assignee=me").json["items"][0]
    assert send_material["element_id"] == "send_material"
    assert response.location == f"/tasks/{send_material['id']}"
    lead = api.as_("alice").get(f"/api/leads/{first_call['lead_id']}").json
    assert lead["status"] == "qualified"


def test_completing_the_last_task_for_now_returns_to_the_inbox(pages, first_call):
    alice = pages.as_("alice")
    response = alice.post(f"/tasks/{first_call['id']}/complete",
                          {"notes": "not this quarter", "intent": "nurture"})
    assert response.status_code == 302 and response.location == "/inbox"
    html = text_of(alice.get("/inbox"))
    assert "is completed" in html and first_call["id"] not in html
    done = text_of(alice.get(f"/tasks/{first_call['id']}"))
    assert "Completed by alice" in done and 'data-testid="complete"' not in done


def test_completing_a_task_someone_else_holds_is_a_message(pages, first_call):
    bob = pages.as_("bob")
    response = bob.post(f"/tasks/{first_call['id']}/complete",
                        {"notes": "mine now", "intent": "high"})
    assert response.status_code == 302
    assert "could not be completed" in text_of(bob.get(response.location))


# -- notifications ---------------------------------------------------------------------------

def test_notifications_unread_highlighted_then_read(pages, first_call):
    alice = pages.as_("alice")
    html = text_of(alice.get("/notifications"))
    assert 'data-testid="unread-count">1<' in html
    assert "notice unread" in html and "New task: First call" in html
    note_id = re.search(r'data-notification-id="(\d+)"', html).group(1)
    assert f'/tasks/{first_call["id"]}' in html  # "open the task"
    response = alice.post(f"/notifications/{note_id}/read", {"next": "/notifications"})
    assert response.status_code == 302 and response.location == "/notifications"
    html = text_of(alice.get("/notifications"))
    assert "notice unread" not in html and 'data-testid="unread-count"' not in html


def test_opening_the_task_from_a_notification_marks_it_read(pages, first_call):
    alice = pages.as_("alice")
    note_id = re.search(r'data-notification-id="(\d+)"',
                        text_of(alice.get("/notifications"))).group(1)
    response = alice.post(f"/notifications/{note_id}/read",
                          {"next": f"/tasks/{first_call['id']}"})
    assert response.location == f"/tasks/{first_call['id']}"
    assert "notice unread" not in text_of(alice.get("/notifications"))


def test_mark_all_read_in_chinese(pages, first_call):
    alice = pages.as_("alice")
    alice.post("/language", {"language": "zh-CN"})
    response = alice.post("/notifications/read-all")
    assert response.status_code == 302
    html = text_of(alice.get("/notifications"))
    assert "已将 1 条通知标为已读。" in html and "notice unread" not in html


def test_someone_elses_notification_is_403_and_an_unknown_one_404(pages, first_call):
    note_id = re.search(r'data-notification-id="(\d+)"',
                        text_of(pages.as_("alice").get("/notifications"))).group(1)
    bob = pages.as_("bob")
    assert bob.post(f"/notifications/{note_id}/read").status_code == 403
    assert bob.post("/notifications/99999/read").status_code == 404
    assert "No notifications." in text_of(bob.get("/notifications"))
