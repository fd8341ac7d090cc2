"""The article's story, end to end in the browser, as each person does it.

A lead fills in the public form; its owner works the First call and converts the lead; the
deal moves on the kanban; an 80,000 quote with a special discount is approved and accepted;
the contract goes to the sales, legal and finance directors in turn (the legal director on a
phone); its PDF downloads; the customer signs; the manager sees the finished approval on its
diagram and the won deal on the dashboard. Then the analyst changes the lead-assignment table
in the DMN editor and the next lead follows the new rule.

With ``CRM_SCREENSHOTS=<folder>`` the walk also photographs the main pages in English and
Chinese (``tools/screenshots.sh`` writes docs/screenshots/ this way).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from gestures import column, drag, type_in_cell
from playwright.sync_api import expect

SHOTS = os.environ.get("CRM_SCREENSHOTS")
ROUTED_TO_SHANGHAI = ("alice", "bob")
PRODUCT_EXPERTS = ("carol", "dave")


@pytest.fixture
def pdfs(app):
    """The contract's PDF is made by LibreOffice at the scheduler's tick."""
    if shutil.which("soffice") is None:
        if os.environ.get("CRM_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice (soffice) is required here")
        pytest.skip("LibreOffice is not installed")
    app.config["PDF_ENABLED"] = True


def shoot(page, name: str, ready: str | None = None, fill=None) -> None:
    """Photograph the page in English and in Chinese (only when CRM_SCREENSHOTS is set).

    Switching language reloads the page: ``fill(page)`` types in again what it showed."""
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    for language in ("en", "zh-CN"):
        if switch_language(page, language) and fill:
            fill(page)
        if ready:
            page.locator(ready).first.wait_for()
        page.wait_for_timeout(1500)  # charts and diagrams finish their animations
        page.screenshot(path=str(folder / f"{name}.{language}.png"))
    if switch_language(page, "en") and fill:
        fill(page)


def switch_language(page, language: str) -> bool:
    if page.locator("html").get_attribute("lang") == language:
        return False
    switch = page.locator(f'header button[name="language"][value="{language}"]')
    if switch.count():
        with page.expect_navigation():
            switch.click()
    else:  # the public pages switch by link
        page.goto(re.sub(r"[?&]lang=[^&]*", "", page.url) + f"?lang={language}")
    return True


def submit_public_lead(page, name: str, phone: str) -> None:
    page.goto("/forms/website_lead")
    page.fill("#f_name", name)
    page.fill("#f_company", "上海精工机械有限公司")
    page.fill("#f_phone", phone)
    page.select_option("#f_region", "east_china")
    page.select_option("#f_industry", "manufacturing")
    page.fill("#f_notes", "200 sales seats, go-live before Chinese New Year")
    page.click("button[type=submit]")
    expect(page.locator("body")).to_contain_text("Thank you")


def fill_quote(page) -> None:
    """Ten consulting days at 20 % off: 80,000.00, beyond the policy's 10 %."""
    line = page.get_by_test_id("quote-line").nth(0)
    line.locator("select[name=product]").select_option("CONSULT")
    line.locator("input[name=quantity]").fill("10")
    line.locator("input[name=discount_pct]").fill("20")
    expect(page.get_by_test_id("quote-total")).to_contain_text("80,000.00")


def newest_lead(api) -> dict:
    leads = api.as_("admin").get("/api/leads").json["items"]
    return max(leads, key=lambda lead: lead["id"])


def approve(browser, username: str, *, phone: bool = False, shot: str | None = None) -> None:
    """The approver opens their approvals, reads the summary and approves."""
    page = browser.as_(username, phone=phone)
    page.goto("/approvals")
    page.locator('[data-testid="approvals"] a[href^="/approvals/"]').first.click()
    expect(page.get_by_test_id("approval-summary")).to_be_visible()
    if phone:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if shot:
        shoot(page, shot)
    page.get_by_test_id("approve").first.click()
    page.wait_for_url("**/approvals")
    expect(page.locator(".message.success")).to_be_visible()
    page.context.close()


def open_task(page, element_id: str) -> None:
    page.goto("/inbox")
    row = page.locator(f'[data-testid="task-row"][data-element-id="{element_id}"]')
    row.locator("a[href^='/tasks/']").first.click()


def test_the_articles_story_in_the_browser(browser, api, app, shipped, consulting, pdfs):
    # -- a prospect fills in the public form (no sign-in) ----------------------------------
    visitor = browser.new_page()
    visitor.goto("/forms/website_lead")
    shoot(visitor, "public-form")
    submit_public_lead(visitor, "Wang Wei", "13800138000")
    lead = newest_lead(api)
    owner = lead["owner"]
    assert owner in ROUTED_TO_SHANGHAI  # east China manufacturing: shanghai_a, least loaded

    # -- the owner works the First call; a missing answer is a message by the field --------
    rep = browser.as_(owner)
    rep.goto("/inbox")
    shoot(rep, "inbox")
    open_task(rep, "first_call")
    shoot(rep, "task-form")
    rep.get_by_test_id("complete").click()
    expect(rep.locator('[data-field="intent"] .error')).to_be_visible()
    assert "Traceback" not in rep.content()
    rep.fill("#f_notes", "Needs 200 seats; decision in December")
    rep.select_option("#f_intent", "high")
    rep.get_by_test_id("complete").click()
    expect(rep.locator(".message.success")).to_be_visible()

    # -- reads why the lead came to them, converts it ------------------------------------
    rep.goto(f"/leads/{lead['id']}")
    expect(rep.get_by_test_id("routing-rule")).to_have_text(
        "east_china_manufacturing_to_shanghai_a")
    shoot(rep, "lead")
    rep.fill("#opportunity_name", "Jinggong CRM roll-out")
    rep.fill("#amount", "80000")
    rep.get_by_test_id("convert").click()
    rep.wait_for_url(re.compile(r"/customers/\d+"))
    shoot(rep, "customer-360")
    rep.get_by_role("link", name="Jinggong CRM roll-out").first.click()
    rep.wait_for_url(re.compile(r"/opportunities/\d+$"))
    deal_id = int(rep.url.rsplit("/", 1)[1])

    # -- moves the card on the kanban ------------------------------------------------------
    rep.goto("/pipeline")
    drag(rep, deal_id, "business_negotiation")
    expect(column(rep, "business_negotiation").locator(
        f'[data-opportunity-id="{deal_id}"]')).to_have_count(1)
    expect(rep.locator("#messages")).to_contain_text("Moved to")
    shoot(rep, "pipeline")
    assert api.as_(owner).get(f"/api/opportunities/{deal_id}").json["stage"] == (
        "business_negotiation")

    # -- builds the 80,000 quote with a special discount -----------------------------------
    rep.goto(f"/opportunities/{deal_id}/quotes/new")
    fill_quote(rep)
    expect(rep.get_by_test_id("policy-warning")).to_be_visible()
    shoot(rep, "quote-builder", fill=fill_quote)
    rep.get_by_test_id("generate-quote").click()
    expect(rep.get_by_test_id("quote-row")).to_contain_text("¥80,000.00")

    # the special discount: the sales director, then the finance director
    approve(browser, "sam")
    approve(browser, "fiona")

    # -- the customer accepts; the owner draws up the contract ------------------------------
    open_task(rep, "customer_decision")
    rep.select_option("#f_customer_decision", "accepted")
    rep.get_by_test_id("complete").click()
    expect(rep.locator(".message.success")).to_be_visible()
    rep.goto(f"/opportunities/{deal_id}")
    rep.get_by_test_id("new-contract").click()
    expect(rep.get_by_test_id("contract-amount")).to_have_text("¥80,000.00")
    rep.fill("#start_date", "2027-01-01")
    rep.fill("#end_date", "2027-12-31")
    rep.fill("#terms", "Annual licence with implementation")
    rep.get_by_test_id("submit-contract").click()
    expect(rep.get_by_test_id("contract-row")).to_contain_text("HT")

    # -- sales, legal (on a phone) and finance directors approve in turn --------------------
    approve(browser, "sam", shot="approval")
    approve(browser, "lena", phone=True, shot="approval-phone")
    approve(browser, "fiona")

    # -- the contract's PDF is made at the next tick and downloads --------------------------
    api.tick(app)
    rep.goto(f"/opportunities/{deal_id}")
    contract_row = rep.get_by_test_id("contract-row")
    expect(contract_row.get_by_test_id("download-pdf")).to_be_visible()
    shoot(rep, "deal")
    with rep.expect_download() as download:
        contract_row.get_by_test_id("download-pdf").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")

    # -- the customer signs: the deal is won ----------------------------------------------
    open_task(rep, "customer_signed")
    rep.fill("#f_signed_on", "2026-12-20")
    rep.get_by_test_id("complete").click()
    expect(rep.locator(".message.success")).to_be_visible()
    rep.goto(f"/opportunities/{deal_id}")
    expect(rep.get_by_test_id("deal-stage")).to_have_text("Won")

    # a rep may not open the analyst's workspace: a message, not a stack trace
    rep.goto("/workspace")
    expect(rep.locator(".error-page")).to_contain_text("This page needs one of the roles")

    # -- the manager: the finished approval on its diagram, the won deal on the dashboard ---
    manager = browser.as_("mia")
    contract = api.as_("mia").get(f"/api/opportunities/{deal_id}/contracts").json[0]
    manager.goto("/instances?process_key=contract_approval")
    shoot(manager, "instances")
    manager.goto(f"/instances/{contract['instance_id']}")
    canvas = '[data-testid="bpmn-canvas"][data-rendered="true"]'
    manager.locator(canvas).wait_for()
    for element in ("sales_director_approval", "legal_director_approval",
                    "finance_director_approval", "customer_signed"):
        expect(manager.locator(f'.djs-element.completed[data-element-id="{element}"]')
               ).to_have_count(1)
    expect(manager.locator(".djs-element.active")).to_have_count(0)
    shoot(manager, "instance-diagram", ready=canvas)
    manager.goto("/dashboards?process=contract_approval")
    won = manager.get_by_test_id("table-leaderboard-won")
    expect(won).to_contain_text(owner)
    expect(won).to_contain_text("¥80,000.00")
    manager.locator('[data-testid="chart-leaderboard"][data-rendered="true"]').wait_for()
    shoot(manager, "dashboards", ready='[data-testid="heatmap"][data-rendered="true"]')

    # -- the analyst sends east China manufacturing leads to the product experts -----------
    analyst = browser.as_("ana")
    analyst.goto("/workspace/decisions/lead_assignment")
    expect(analyst.locator("#editor")).to_have_attribute("data-ready", "true")
    type_in_cell(analyst, "r2_team", '"product_experts"')
    analyst.get_by_role("button", name="Deploy").click()
    expect(analyst.locator("#result")).to_contain_text("Version 2 deployed.")
    shoot(analyst, "workspace-decision")
    analyst.goto("/workspace/processes/contract_approval")
    expect(analyst.locator("#editor")).to_have_attribute("data-ready", "true")
    shoot(analyst, "workspace-modeler")

    # the next such lead follows the new rule
    submit_public_lead(visitor, "Li Na", "13900139000")
    second = newest_lead(api)
    assert second["id"] != lead["id"] and second["owner"] in PRODUCT_EXPERTS
    manager.goto(f"/leads/{second['id']}")
    expect(manager.get_by_test_id("routing-rule")).to_have_text(
        "east_china_manufacturing_to_shanghai_a")
    expect(manager.get_by_test_id("lead-owner")).to_contain_text("product_experts")
