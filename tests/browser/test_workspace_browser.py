"""The workspace editors in a real browser: what dmn-js saves must deploy and decide with our
engine, problems land on the diagram's elements, and the form preview follows the typing."""

from __future__ import annotations

from gestures import type_in_cell
from playwright.sync_api import expect


def evaluate(api, decision_id: str, inputs: dict) -> dict:
    response = api.as_("ana").post(f"/api/decisions/{decision_id}/evaluate",
                                   json={"inputs": inputs})
    assert response.status_code == 200, response.json
    return response.json


NO_LEAD = {"region": None, "industry": None, "product_interest": None, "company_size": None,
           "source": "web_form"}


def test_a_cell_edited_in_the_dmn_modeler_deploys_and_decides(browser, api, shipped):
    assert evaluate(api, "lead_assignment", NO_LEAD)["outputs"]["team"] == "pool"
    page = browser.as_("ana")
    page.goto("/workspace/decisions/lead_assignment")
    expect(page.locator("#editor")).to_have_attribute("data-ready", "true")

    type_in_cell(page, "r4_team", '"dispatch"')
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#result")).to_contain_text("No problems")
    page.get_by_role("button", name="Deploy").click()

    expect(page.locator("#result")).to_contain_text("Version 2 deployed.")
    expect(page.locator("#versions")).to_contain_text("v2")
    expect(page.locator("#versions")).to_contain_text("ana")
    answer = evaluate(api, "lead_assignment", NO_LEAD)
    assert answer["version"] == 2 and answer["outputs"]["team"] == "dispatch"
    assert answer["matched_rules"] == ["everything_else_to_the_pool"]
    routed = evaluate(api, "lead_assignment", {**NO_LEAD, "region": "east_china",
                                               "industry": "manufacturing"})
    assert routed["outputs"] == {"team": "shanghai_a", "strategy": "least_loaded"}

    # the tester beside the table answers with the new version, and a bad cell is marked
    page.fill("#in_region", "west_china")
    page.get_by_role("button", name="Evaluate").click()
    expect(page.locator("#tester-result")).to_contain_text('"dispatch"')
    expect(page.locator("#tester-result")).to_contain_text("everything_else_to_the_pool")
    type_in_cell(page, "r3_size", ">= a thousand")
    page.get_by_role("button", name="Validate").click()
    expect(page.locator("#problems")).to_contain_text("east_china_enterprise_to_shanghai_a")
    marked = page.locator('td.has-problem[data-row-id="east_china_enterprise_to_shanghai_a"]')
    expect(marked).not_to_have_count(0)
    # the table redraws the cell as it is edited: the mark stays until validated again
    type_in_cell(page, "r3_size", ">= lots")
    expect(page.locator('td.has-problem[data-element-id="r3_size"]')).to_have_count(1)


def test_a_problem_is_marked_on_the_process_diagram_and_nothing_deploys(browser, api, shipped):
    page = browser.as_("ana")
    page.goto("/workspace/processes/lead_routing")
    expect(page.locator("#editor")).to_have_attribute("data-ready", "true")
    page.get_by_role("button", name="Deploy").click()  # untouched: no new version
    expect(page.locator("#result")).to_contain_text("Nothing was changed in the editor")

    # a new task that nothing leads to: it would never run
    page.locator(".djs-palette .entry.bpmn-icon-task").click()
    pool = page.locator('.djs-shape[data-element-id="Participant_lead_routing"]').bounding_box()
    page.mouse.click(pool["x"] + pool["width"] * 0.8, pool["y"] + pool["height"] * 0.75)
    page.get_by_role("button", name="Deploy").click()

    expect(page.locator("#result")).to_contain_text("problem(s): nothing was deployed")
    problem = page.locator("#problems li").first
    expect(problem).to_contain_text("not reachable from a start event")
    element_id = problem.get_attribute("data-element-id")
    expect(page.locator(f'.djs-element.has-problem[data-element-id="{element_id}"]')
           ).to_have_count(1)
    expect(page.locator(".djs-overlay .problem-note")).not_to_have_count(0)
    versions = api.as_("ana").get("/api/process-definitions/lead_routing").json
    assert [v["version"] for v in versions] == [1]


def test_the_form_preview_follows_the_typing_on_a_phone_in_chinese(browser, shipped):
    page = browser.as_("ana", phone=True, language="zh-CN")
    page.goto("/workspace/forms/first_call")
    expect(page.get_by_test_id("preview")).to_contain_text("通话记录")

    editor = page.locator("#definition")
    text = editor.input_value()
    editor.fill(text.replace('"zh-CN": "通话记录"', '"zh-CN": "电话纪要"'))
    editor.press("End")  # a key press: htmx previews on keyup
    expect(page.get_by_test_id("preview")).to_contain_text("电话纪要")

    editor.fill(text.replace('"fields": [', '"fields": [[', 1))
    editor.press("End")
    expect(page.get_by_test_id("preview-error")).to_contain_text("此定义无法使用")

    editor.fill(text.replace('"zh-CN": "通话记录"', '"zh-CN": "电话纪要"'))
    editor.press("End")
    page.get_by_role("button", name="发布").click()
    expect(page.locator("#result")).to_contain_text("已发布版本 2。")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_new_process_deploys_as_version_1_and_opens_in_its_editor(browser, api, shipped):
    page = browser.as_("ana")
    page.goto("/workspace")
    page.get_by_role("link", name="New process").click()
    expect(page.locator("#editor")).to_have_attribute("data-ready", "true")
    expect(page.locator('.djs-element[data-element-id="StartEvent_1"]')).to_have_count(1)

    page.get_by_role("button", name="Deploy").click()  # no key yet: refused next to the field
    expect(page.locator('[data-field="key"] .error')).to_contain_text("required")
    page.get_by_label("Process key").fill("lead_routing")
    page.get_by_role("button", name="Deploy").click()
    expect(page.locator('[data-field="key"] .error')).to_contain_text("deployed already")
    expect(page.get_by_role("link", name="Open lead_routing")).to_have_attribute(
        "href", "/workspace/processes/lead_routing")

    page.get_by_label("Process key").fill("demo_new")
    page.get_by_role("button", name="Deploy").click()

    page.wait_for_url("**/workspace/processes/demo_new")
    expect(page.locator("#editor")).to_have_attribute("data-ready", "true")
    expect(page.locator("#versions")).to_contain_text("ana")
    versions = api.as_("ana").get("/api/process-definitions/demo_new")
    assert versions.status_code == 200
    assert [v["version"] for v in versions.json] == [1]
