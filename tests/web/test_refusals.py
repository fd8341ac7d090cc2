"""A refusal reads in the page's language: the services' English reasons told again in
Chinese on a Chinese page, in flashes, error pages and the API answers the pages' scripts
get; the API's own message stays the services' English."""

import pytest
from page_text import text_of, visible_text

from app.web import i18n
from app.web.refusals import in_page_language


def chinese(pages, username: str):
    page = pages.as_(username)
    page.post("/language", {"language": "zh-CN"})
    return page


@pytest.mark.parametrize(("english", "expected"), [
    ("the task is claimed by bob", "任务已被 bob 领取。"),
    ("the task is completed", "任务已完成。"),
    ("lead 12 does not exist", "线索 12 不存在。"),
    ("process instance 7 does not exist", "流程实例 7 不存在。"),
    ("this opportunity belongs to someone else", "这个商机属于别人。"),
    ("the lead is closed already", "线索已关闭。"),
    ("the lead is pool", "线索当前为「公海池」。"),
    ("you have claimed 5 leads today; the limit is 5", "您今天已领取 5 条线索，每日上限为 5 条。"),
    ("the instance is already cancelled", "流程实例已是「已取消」状态。"),
    ("only managers and admins may retry a process instance", "只有经理和管理员可以重试流程实例。"),
    ("quote v2 is sent already", "报价 v2 已是「已发送」状态。"),
    ("contract HT-2026-0001 is signed: it cannot be withdrawn",
     "合同 HT-2026-0001 为「已签署」状态，不能撤回。"),
    ("no decision with id 'lead_assignment' is deployed", "决策 lead_assignment 尚未部署。"),
])
def test_known_refusals_are_told_in_chinese(app, english, expected):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert in_page_language(english) == expected
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert in_page_language(english) == english


def test_an_unknown_refusal_keeps_its_english(app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert i18n.language() == "zh-CN"
        assert in_page_language("the moon is made of cheese") == "the moon is made of cheese"


def test_a_chinese_page_flashes_the_reason_in_chinese(pages, alices_lead):
    lead = alices_lead
    alice = chinese(pages, "alice")
    alice.post(f"/leads/{lead['id']}/close", {"reason": "spam"})
    response = alice.post(f"/leads/{lead['id']}/convert")
    shown = visible_text(alice.get(response.location))
    assert "已关闭的线索不能转化。" in shown and "cannot be converted" not in shown


def test_a_chinese_error_page_names_the_missing_record_in_chinese(pages):
    alice = chinese(pages, "alice")
    response = alice.get("/leads/9999")
    assert response.status_code == 404 and "线索 9999 不存在。" in text_of(response)
    unknown = alice.get("/no/such/page")
    assert unknown.status_code == 404 and "没有这个页面" in text_of(unknown)
    assert "was not found on the server" not in text_of(unknown)


def test_the_pages_scripts_get_the_chinese_beside_the_apis_english(pages, api, alices_lead):
    task = api.as_("alice").get("/api/tasks?assignee=me").json["items"][0]
    assert task["element_id"] == "first_call"
    refused = chinese(pages, "mia").call("POST", f"/api/tasks/{task['id']}/claim")
    assert refused.status_code == 409
    assert refused.json["message"] == "the task is claimed by alice"
    assert refused.json["shown"] == "任务已被 alice 领取。"
    invalid = chinese(pages, "alice").call("POST", f"/api/tasks/{task['id']}/complete",
                                           json={"data": {}})
    assert invalid.status_code == 422 and invalid.json["shown_fields"]["notes"] == ["此项为必填。"]
    by_token = api.as_("mia").post(f"/api/tasks/{task['id']}/claim")
    assert by_token.status_code == 409 and "shown" not in by_token.json
