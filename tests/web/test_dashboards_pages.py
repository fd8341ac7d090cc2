"""The dashboards: each report as a table (and the data its chart draws), the CSV links, the
filters and the reader's scope, and the heat map's figures per BPMN element."""

import json
import re
from datetime import UTC, datetime

import pytest
from page_text import text_of

from app.models.lead import Lead
from app.services.reports import process, sales
from app.services.reports.common import Filters
from app.web.report_definitions import CHINESE, shown


@pytest.fixture
def history(api, app, shipped):
    """Two leads from the web form (one of them alice's and won), bob's open deal."""
    with app.app_context(), app.extensions["crm_db"].unit_of_work() as session:
        now = datetime.now(UTC)
        for name, owner in (("Lead one", "alice"), ("Lead two", "bob")):
            session.add(Lead(name=name, owner=owner, team="shanghai_a", source="web_form",
                             product_interest="crm_solution", status="assigned",
                             created_at=now, updated_at=now))
    deals = {}
    for owner, name, amount in (("alice", "ACME roll-out", "40000.00"),
                                ("bob", "Globex pilot", "10000.00")):
        customer = api.as_(owner).post("/api/customers", json={"name": name + " Ltd"}).json
        made = api.as_(owner).post("/api/opportunities", json={
            "customer_id": customer["id"], "name": name, "amount": amount})
        assert made.status_code == 201, made.json
        deals[owner] = made.json
    won = api.as_("alice").patch(f"/api/opportunities/{deals['alice']['id']}",
                                 json={"stage": "won"})
    assert won.status_code == 200, won.json
    return deals


def chart_data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>',
                      page, re.S)
    return json.loads(found.group(1))


def test_a_manager_sees_every_report_as_chart_and_table(pages, history):
    response = pages.as_("mia").get("/dashboards")
    assert response.status_code == 200
    page = text_of(response)
    for testid in ("chart-funnel", "chart-forecast", "chart-leaderboard", "chart-attribution",
                   "chart-cycle-times", "table-funnel", "table-forecast", "table-leaderboard",
                   "table-attribution", "table-cycle-times", "heatmap"):
        assert f'data-testid="{testid}"' in page, testid
    data = chart_data(page)["reports"]
    assert data["funnel"]["steps"][0] == {"step": "lead", "count": 2, "rate_from_previous": None,
                                          "rate_overall": 1.0}
    assert [(p["person"], p["deals_won"]) for p in data["leaderboard"]["people"]
            if p["deals_won"]] == [("alice", 1)]
    assert "¥40,000.00" in page  # alice's won amount in the leaderboard table
    assert "web_form" in page  # the attribution's channel
    assert "How these figures are counted" in page and "the leads created in the period" in page
    assert 'href="/api/reports/funnel?format=csv"' in page


def test_the_csv_links_answer_csv_with_the_filters(pages, history):
    mia = pages.as_("mia")
    page = text_of(mia.get("/dashboards?from=2020-01-01&team=shanghai_a&by=team"))
    link = re.search(r'href="(/api/reports/attribution\?[^"]+)"', page).group(1)
    link = link.replace("&amp;", "&")
    assert "by=team" in link and "team=shanghai_a" in link and "from=2020-01-01" in link
    answer = mia.get(link)
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.get_data(as_text=True).startswith("section,team")


def test_a_rep_sees_their_own_figures_in_chinese(pages, history):
    bob = pages.as_("bob")
    bob.post("/language", {"language": "zh-CN"})
    page = text_of(bob.get("/dashboards"))
    assert "转化漏斗" in page and "数据范围：bob" in page and "排行榜" in page
    data = chart_data(page)
    assert data["reports"]["funnel"]["steps"][0]["count"] == 1
    assert data["labels"]["step.won"] == "赢单"
    assert data["labels"]["stages"]["won"] == "赢单" and "initial_contact" not in page.split(
        'data-testid="table-cycle-times"')[1].split("</table>")[0]
    assert bob.get("/dashboards?owner=alice").status_code == 403


def test_the_heat_map_gives_each_task_its_median_wait(api, pages, history):
    deal = history["alice"]
    other = api.as_("alice").post("/api/opportunities", json={
        "customer_id": deal["customer_id"], "name": "Second deal"}).json
    made = api.as_("alice").post(f"/api/opportunities/{other['id']}/contracts",
                                 json={"amount": "30000"}).json
    step = next(t for t in api.as_("admin").instance(made["instance_id"])["active_tasks"]
                if t["element_id"] == "sales_director_approval")
    api.advance_clock("PT4H")
    api.as_("sam").complete(step["id"], {"decision": "approve"})
    page = text_of(pages.as_("sam").get("/dashboards?process=contract_approval"))
    heat = re.search(r'data-testid="heatmap"[^>]*data-heat="([^"]*)"', page).group(1)
    marks = {m["element_id"]: m for m in json.loads(heat.replace("&#34;", '"'))}
    assert marks["sales_director_approval"]["level"] == 4
    assert marks["sales_director_approval"]["text"].startswith("⏳ 4 h")
    assert marks["contract_submitted"]["level"] == 0
    assert "/api/process-definitions/contract_approval/xml?version=1" in page
    assert '<option value="contract_approval" selected>Contract approval</option>' in page


def test_who_may_not_read_the_dashboards_and_bad_filters(pages, history):
    for who in ("lena", "fiona"):
        assert pages.as_(who).get("/dashboards").status_code == 403, who
    bad = pages.as_("mia").get("/dashboards?from=yesterday")
    assert bad.status_code == 422 and "<strong>from</strong>" in text_of(bad)
    backwards = pages.as_("mia").get("/dashboards?from=2026-02-01&to=2026-01-01")
    assert backwards.status_code == 422
    missing = pages.as_("mia").get("/dashboards?process=no_such_process")
    assert missing.status_code == 404
    assert "No process no_such_process is deployed." in text_of(missing)


def definitions_shown(page: str) -> str:
    """The "how these figures are counted" lists of the page, nothing else (the chart data
    embeds the reports' English definitions as the API gives them)."""
    return "".join(re.findall(r'<details class="definitions">(.*?)</details>', page, re.S))


def every_report_the_dashboards_show(app) -> list:
    """Each report of the dashboards as its service makes it: attribution once per dimension,
    the heat map's process nodes for every shipped process."""
    with app.app_context(), app.extensions["crm_db"].unit_of_work():
        everybody = Filters()
        return [sales.funnel(everybody), sales.forecast(everybody),
                sales.leaderboard(everybody), process.cycle_times(everybody),
                *[sales.attribution(everybody, by) for by in sales.ATTRIBUTIONS],
                *[process.process_nodes(everybody, key)
                  for key in ("contract_approval", "lead_followup")]]


def test_every_definition_of_every_report_has_its_chinese_and_no_chinese_is_left_over(
        app, shipped):
    reports = every_report_the_dashboards_show(app)
    defined = {(report.name, key) for report in reports for key in report.definitions}
    assert {name for name, _ in defined} == {"funnel", "forecast", "leaderboard",
                                             "attribution", "cycle-times", "process-nodes"}
    assert sorted(defined - set(CHINESE)) == [], "definitions without Chinese"
    assert sorted(set(CHINESE) - defined) == [], "Chinese for definitions no report has"
    for report in reports:
        by = report.extra.get("by")
        with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
            pairs = shown(report.name, report.definitions, by=by)
        assert len(pairs) == len(report.definitions)
        for term, text in pairs:
            assert "{" not in text and not re.search("[a-z]{3,} [a-z]{3,} [a-z]{3,}", text), (
                report.name, term, text)  # every placeholder filled, no English sentence
        if by:  # the dimension in Chinese, where the English names it
            dimension = {"channel": "渠道", "team": "团队", "product": "产品",
                         "campaign": "活动"}[by]
            assert f"按{dimension}分组" in dict(pairs)["线索群组"], by


def test_the_definitions_are_in_the_pages_language(pages, history):
    mia = pages.as_("mia")
    english = definitions_shown(text_of(mia.get("/dashboards")))
    assert "the leads created in the period" in english and "<dt>cohort</dt>" in english
    assert "期间内创建的线索" not in english

    mia.post("/language", {"language": "zh-CN", "next": "/dashboards"})
    chinese = definitions_shown(text_of(mia.get("/dashboards?by=team")))
    assert "<dt>线索群组</dt>" in chinese and "期间内创建的线索" in chinese
    assert "按团队分组（线索的团队；为空：无）" in chinese  # attribution, by team
    assert "从任务创建到被领取的秒数" in chinese  # the heat map's process nodes
    assert "the leads created in the period" not in chinese
    assert "Seconds from task created to claimed" not in chinese
    assert "<dt>cohort</dt>" not in chinese
