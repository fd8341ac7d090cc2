"""The inbox in Chromium: a rep works the First call on a phone in Chinese (tables become
cards, nothing wider than the screen), and a manager reads a lead's routing and dispatches it."""

from playwright.sync_api import expect


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_rep_completes_the_first_call_on_a_phone_in_chinese(browser, alices_lead):
    page = browser.as_("alice", phone=True, language="zh-CN")
    page.goto("/inbox")
    row = page.locator('[data-testid="task-row"][data-element-id="first_call"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("致电线索")
    assert fits_the_screen(page)
    row.get_by_role("link", name="致电线索").click()
    page.locator('[data-testid="complete"]').click()  # nothing filled in: the server says no
    expect(page.locator('[data-field="notes"] .error')).to_contain_text("此项为必填")
    assert fits_the_screen(page)
    page.fill("#f_notes", "客户需要 200 个销售账号")
    page.select_option("#f_intent", "nurture")
    page.locator('[data-testid="complete"]').click()
    page.wait_for_url("**/inbox")
    expect(page.locator(".message.success")).to_contain_text("已完成")
    expect(page.locator('[data-testid="task-row"]')).to_have_count(0)


def test_a_manager_reads_the_routing_and_dispatches_the_lead(browser, api, alices_lead):
    page = browser.as_("mia")
    page.goto(f"/leads/{alices_lead['id']}")
    expect(page.locator('[data-testid="routing-rule"]')).to_have_text(
        "east_china_manufacturing_to_shanghai_a")
    expect(page.locator('[data-testid="candidate"]')).to_have_count(2)
    page.select_option('[data-testid="dispatch-owner"]', "bob")
    page.locator('[data-testid="dispatch"]').click()
    expect(page.locator(".message.success")).to_contain_text("now belongs to bob")
    expect(page.locator('[data-testid="lead-owner"]')).to_contain_text("bob")
    assert api.as_("bob").get("/api/tasks?assignee=me").json["total"] == 1
