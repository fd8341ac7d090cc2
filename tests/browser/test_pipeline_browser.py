"""The pipeline's JavaScript in Chromium: dragging cards (the server decides, the board is
reloaded from the server), the lost-reason prompt, and the quote builder's live totals."""

import re

import pytest
from gestures import column, drag
from playwright.sync_api import expect


@pytest.fixture
def deals(api):
    """alice's customer with two deals in the first stage."""
    acme = api.as_("alice").post("/api/customers", json={"name": "ACME Robotics"}).json["id"]

    def deal(name, amount):
        response = api.as_("alice").post("/api/opportunities", json={
            "customer_id": acme, "name": name, "amount": amount})
        assert response.status_code == 201, response.json
        return response.json["id"]

    return {"roll_out": deal("ACME roll-out", "100000"), "training": deal("ACME training",
                                                                          "20000")}


def test_dragging_a_card_moves_the_deal_and_a_refused_move_puts_it_back(browser, api, deals):
    page = browser.as_("alice")
    page.goto("/pipeline")
    drag(page, deals["roll_out"], "solution_demo")
    demo = column(page, "solution_demo")
    expect(demo.get_by_test_id("column-total")).to_have_text("¥100,000.00")  # the server's
    expect(demo.get_by_test_id("column-weighted")).to_have_text("¥30,000.00")
    expect(column(page, "initial_contact").get_by_test_id("column-total")).to_have_text(
        "¥20,000.00")
    expect(page.locator("#messages")).to_contain_text("Moved to Solution demo.")
    assert api.as_("alice").get(f"/api/opportunities/{deals['roll_out']}").json["stage"] == (
        "solution_demo")

    # meanwhile mia gives the training deal to bob: alice's move is refused by the server
    given = api.as_("mia").patch(f"/api/opportunities/{deals['training']}",
                                 json={"owner": "bob"})
    assert given.status_code == 200, given.json
    drag(page, deals["training"], "business_negotiation")
    refusal = api.as_("alice").patch(f"/api/opportunities/{deals['training']}",
                                     json={"stage": "business_negotiation"})
    expect(page.locator("#messages .message.error")).to_contain_text(refusal.json["message"])
    expect(column(page, "initial_contact").locator(
        f'[data-opportunity-id="{deals["training"]}"]')).to_have_count(1)
    expect(column(page, "business_negotiation").get_by_test_id("deal-card")).to_have_count(0)
    assert api.as_("bob").get(f"/api/opportunities/{deals['training']}").json["stage"] == (
        "initial_contact")


def test_dropping_on_lost_asks_for_the_reason_and_cancel_puts_the_card_back(
        browser, api, deals):
    page = browser.as_("alice")
    page.goto("/pipeline")
    dialog = page.locator("#lost-dialog")
    drag(page, deals["roll_out"], "lost")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("ACME roll-out")
    dialog.get_by_test_id("lost-cancel").click()
    expect(dialog).to_be_hidden()
    expect(column(page, "initial_contact").locator(
        f'[data-opportunity-id="{deals["roll_out"]}"]')).to_have_count(1)
    assert api.as_("alice").get(f"/api/opportunities/{deals['roll_out']}").json["stage"] == (
        "initial_contact")

    drag(page, deals["roll_out"], "lost")
    dialog.get_by_test_id("lost-confirm").click()  # no reason: the server asks for one
    expect(dialog.locator(".error")).to_contain_text("required when lost")
    expect(dialog).to_be_visible()
    dialog.locator("textarea").fill("went with a competitor")
    dialog.get_by_test_id("lost-confirm").click()
    expect(dialog).to_be_hidden()
    lost = column(page, "lost")
    expect(lost.get_by_test_id("column-count")).to_have_text("1")
    expect(lost.locator(f'[data-opportunity-id="{deals["roll_out"]}"]')).to_have_count(1)
    deal = api.as_("alice").get(f"/api/opportunities/{deals['roll_out']}").json
    assert (deal["stage"], deal["lost_reason"]) == ("lost", "went with a competitor")


def test_the_quote_builder_shows_the_servers_totals_and_the_policy_warning_on_a_phone(
        browser, api, shipped, deals, consulting):
    page = browser.as_("alice", phone=True)
    page.goto(f"/opportunities/{deals['roll_out']}")
    page.get_by_test_id("new-quote").click()
    total, warning = page.get_by_test_id("quote-total"), page.get_by_test_id("policy-warning")
    first = page.get_by_test_id("quote-line").nth(0)
    first.locator("select[name=product]").select_option("CONSULT")
    first.locator("input[name=quantity]").fill("10")
    first.locator("input[name=discount_pct]").fill("10")
    expect(total).to_have_text("¥90,000.00")
    expect(warning).to_be_hidden()
    first.locator("input[name=discount_pct]").fill("20")  # the article's special discount
    expect(total).to_have_text("¥80,000.00")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("CONSULT: 20.00 % off, the policy allows 10.00 %")

    page.get_by_test_id("add-line").click()
    second = page.get_by_test_id("quote-line").nth(1)
    second.locator("select[name=product]").select_option("HW-TERM")
    second.locator("input[name=quantity]").fill("0")
    expect(second.locator('[data-name="quantity"] .error')).to_contain_text("more than 0")
    second.locator(".remove-line").click()
    expect(total).to_have_text("¥80,000.00")

    page.get_by_test_id("generate-quote").click()
    page.wait_for_url(re.compile(rf"/opportunities/{deals['roll_out']}\?new_quote=\d+"))
    expect(page.get_by_test_id("quote-created")).to_be_visible()
    expect(page.get_by_test_id("quote-row")).to_contain_text("Awaiting discount approval")
    expect(page.get_by_test_id("quote-row")).to_contain_text("¥80,000.00")


def test_a_refused_move_on_a_chinese_page_says_what_kind_of_refusal_it_is(browser, api, deals):
    page = browser.as_("alice", language="zh-CN")
    page.goto("/pipeline")
    given = api.as_("mia").patch(f"/api/opportunities/{deals['training']}",
                                 json={"owner": "bob"})  # while alice looks at her board
    assert given.status_code == 200, given.json
    drag(page, deals["training"], "business_negotiation")
    message = page.locator("#messages .message.error")
    expect(message).to_be_visible()
    assert message.inner_text().startswith("无权操作：")
