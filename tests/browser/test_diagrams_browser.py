"""Diagrams and charts in a real browser: an instance's path on its BPMN diagram, a director
approving on a phone, and the dashboards' charts with the heat map."""

import pytest


@pytest.fixture
def contract(api, acme_deal):
    """alice's 80,000 contract: the sales director approved it, the legal director is asked."""
    made = api.as_("alice").post(f"/api/opportunities/{acme_deal['id']}/contracts",
                                 json={"amount": "80000"}).json
    step = api.as_("admin").instance(made["instance_id"])["active_tasks"][0]
    api.advance_clock("PT3H")
    api.as_("sam").complete(step["id"], {"decision": "approve", "comment": "fine"})
    return made


def test_an_instance_diagram_marks_the_path_and_who_holds_it(browser, contract):
    page = browser.as_("mia")
    page.goto(f"/instances/{contract['instance_id']}")
    canvas = page.locator('[data-testid="bpmn-canvas"][data-rendered="true"]')
    canvas.wait_for()
    done = page.locator('.djs-element.completed[data-element-id="sales_director_approval"]')
    assert done.count() == 1
    active = page.locator('.djs-element.active[data-element-id="legal_director_approval"]')
    assert active.count() == 1
    assert page.locator(".djs-element.completed").count() >= 5
    assert "legal_director" in page.locator(".holder-note").first.inner_text()


def test_a_director_rejects_on_a_phone(browser, contract, api):
    step = api.as_("admin").instance(contract["instance_id"])["active_tasks"][0]
    page = browser.as_("lena", phone=True, language="zh-CN")
    page.goto("/approvals")
    page.click(f"a[href='/approvals/{step['id']}']")
    trail = page.locator('[data-testid="approval-trail"]')
    assert "销售总监" in trail.inner_text() and "fine" in trail.inner_text()
    reject = page.locator('[data-testid="reject"]')
    box = reject.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 40
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    reject.click()  # no comment: the reason is asked for next to the field
    page.locator('[data-field="comment"] .error').wait_for()
    page.fill("#f_comment", "第 7 条责任无上限")
    page.locator('[data-testid="reject"]').click()
    page.wait_for_url("**/approvals")
    assert "已驳回" in page.locator("#messages").inner_text()
    trail = api.as_("alice").get(f"/api/contracts/{contract['id']}/approvals").json
    assert trail["steps"][-1]["comment"] == "第 7 条责任无上限"


def test_the_dashboards_draw_charts_and_the_heat_map(browser, contract):
    page = browser.as_("sam")
    page.goto("/dashboards?process=contract_approval")
    for name in ("funnel", "forecast", "leaderboard", "attribution", "cycle-times"):
        chart = page.locator(f'[data-testid="chart-{name}"][data-rendered="true"]')
        chart.wait_for()
        assert chart.locator("svg").count() >= 1, name
    page.locator('[data-testid="heatmap"][data-rendered="true"]').wait_for()
    hot = page.locator('.djs-element.heat-4[data-element-id="sales_director_approval"]')
    assert hot.count() == 1
    note = page.locator('.djs-overlays[data-container-id="sales_director_approval"] .heat-note')
    assert note.inner_text().startswith("⏳ 3 h")
