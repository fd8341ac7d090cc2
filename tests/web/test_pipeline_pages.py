"""The pipeline pages: the kanban board with the server's totals, the forecast, and the deal
page with its stage form."""

import re

import pytest
from page_text import text_of


def make_deal(api, customer_id, user="alice", **fields):
    response = api.as_(user).post("/api/opportunities", json={
        "customer_id": customer_id, **fields})
    assert response.status_code == 201, response.json
    return response.json["id"]


@pytest.fixture
def board(api):
    """alice's three deals and bob's one, with amounts and expected close dates."""
    acme = api.as_("alice").post("/api/customers", json={"name": "ACME Robotics"}).json["id"]
    initech = api.as_("bob").post("/api/customers", json={"name": "Initech"}).json["id"]
    return {
        "roll_out": make_deal(api, acme, name="ACME roll-out", amount="100000",
                              expected_close_date="2030-05-20"),
        "training": make_deal(api, acme, name="ACME training", amount="20000",
                              expected_close_date="2030-05-02"),
        "renewal": make_deal(api, acme, name="ACME renewal", amount="80000",
                             stage="business_negotiation", expected_close_date="2030-06-10"),
        "bakery": make_deal(api, initech, "bob", name="Initech pilot", amount="5000"),
        "acme": acme,
    }


def column_of(html: str, stage: str) -> str:
    """The HTML of one column of the board."""
    start = html.index(f'data-stage="{stage}"')
    end = html.find('data-testid="stage-column"', start)
    return html[start:end if end > 0 else len(html)]


def figure(column: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">(.*?)</dd>', column, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_the_board_has_a_column_per_stage_with_the_servers_totals(pages, board):
    html = text_of(pages.as_("alice").get("/pipeline"))
    assert [m for m in re.findall(r'data-testid="stage-column"\s+data-stage="(\w+)"', html)] == [
        "initial_contact", "solution_demo", "business_negotiation", "won", "lost"]
    first = column_of(html, "initial_contact")
    assert first.count('data-testid="deal-card"') == 2
    assert f'data-opportunity-id="{board["roll_out"]}"' in first
    assert figure(first, "column-total") == "¥120,000.00"
    assert figure(first, "column-weighted") == "¥12,000.00"  # 10 % of 120,000.00
    negotiation = column_of(html, "business_negotiation")
    assert figure(negotiation, "column-weighted") == "¥48,000.00"  # 60 % of 80,000.00
    assert "Initech pilot" not in html  # bob's deal
    assert "ACME Robotics" in first and "2030-05-02" in first and "alice" in first
    # the forecast by month, below the board
    forecast = html[html.index('data-testid="forecast"'):]
    assert "2030-05" in forecast and "2030-06" in forecast
    assert "¥12,000.00" in forecast and "¥48,000.00" in forecast


def test_a_manager_filters_the_board_by_owner(pages, board):
    page = pages.as_("mia")
    everyone = text_of(page.get("/pipeline"))
    assert "Initech pilot" in everyone and "ACME roll-out" in everyone
    assert '<option value="bob"' in everyone and '<option value="alice"' in everyone
    bobs = text_of(page.get("/pipeline?owner=bob"))
    assert "Initech pilot" in bobs and "ACME roll-out" not in bobs
    assert 'data-board-url="/pipeline/board?owner=bob' in bobs


def test_after_a_move_the_board_fragment_has_the_new_totals(pages, board):
    page = pages.as_("alice")
    moved = page.call("PATCH", f"/api/opportunities/{board['training']}",
                      json={"stage": "solution_demo"})
    assert moved.status_code == 200, moved.json
    fragment = text_of(page.get("/pipeline/board"))
    assert "<html" not in fragment and 'data-testid="forecast"' in fragment
    assert figure(column_of(fragment, "initial_contact"), "column-total") == "¥100,000.00"
    demo = column_of(fragment, "solution_demo")
    assert figure(demo, "column-total") == "¥20,000.00"
    assert figure(demo, "column-weighted") == "¥6,000.00"  # 30 %


def test_the_api_refuses_a_lost_move_without_reason_and_a_move_without_the_token(
        pages, board):
    page = pages.as_("alice")
    refused = page.call("PATCH", f"/api/opportunities/{board['training']}",
                        json={"stage": "lost"})
    assert refused.status_code == 422 and "reason" in refused.json["fields"]
    forged = page.call("PATCH", f"/api/opportunities/{board['training']}",
                       json={"stage": "won"}, csrf=False)
    assert forged.status_code == 400
    assert page.call("PATCH", f"/api/opportunities/{board['bakery']}",
                     json={"stage": "won"}).status_code == 403  # bob's card


def test_who_may_see_the_board(pages, board):
    assert pages.as_("lena").get("/pipeline").status_code == 403
    assert pages.as_("lena").get("/pipeline/board").status_code == 403
    anonymous = pages.anonymous().get("/pipeline")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    director = text_of(pages.as_("sam").get("/pipeline"))  # watches every deal, moves none
    assert "Initech pilot" in director and 'data-may-move="false"' in director
    assert 'data-may-move="true"' in text_of(pages.as_("alice").get("/pipeline"))


def test_the_deal_page_shows_facts_history_and_the_new_quote_button(pages, board):
    page = pages.as_("alice")
    page.call("PATCH", f"/api/opportunities/{board['renewal']}",
              json={"stage": "solution_demo", "reason": "needs another demo"})
    html = text_of(page.get(f"/opportunities/{board['renewal']}"))
    assert "ACME renewal" in html and f'href="/customers/{board["acme"]}"' in html
    assert "¥80,000.00" in html and "¥24,000.00" in html  # 30 % weighted
    history = html[html.index('data-testid="stage-history"'):]
    assert history.index("Solution demo") < history.index("Created in")  # newest first
    assert "needs another demo" in history
    assert f'href="/opportunities/{board["renewal"]}/quotes/new"' in html
    assert f'href="/opportunities/{board["renewal"]}/contracts/new"' in html
    assert 'data-testid="stage-form"' in html


def test_the_stage_form_moves_the_deal_and_asks_the_reason_for_lost(pages, api, board):
    page = pages.as_("alice")
    url = f"/opportunities/{board['roll_out']}/stage"
    response = page.post(url, {"stage": "lost", "reason": ""})
    assert response.status_code == 422
    html = text_of(response)
    assert "required when lost" in html and "a lost deal needs a reason" in html
    assert re.search(r'<option value="lost" selected>', html)  # what was chosen stays
    response = page.post(url, {"stage": "lost", "reason": "went with a competitor"})
    assert response.status_code == 302
    html = text_of(page.get(f"/opportunities/{board['roll_out']}"))
    assert "Moved to Lost." in html and "went with a competitor" in html
    deal = api.as_("alice").get(f"/api/opportunities/{board['roll_out']}").json
    assert (deal["stage"], deal["lost_reason"]) == ("lost", "went with a competitor")
    assert f'href="/opportunities/{board["roll_out"]}/quotes/new"' not in html  # closed
    assert page.post(url, {"stage": "nowhere"}).status_code == 422
    assert page.post(url, {"stage": "won"}, csrf=False).status_code == 400


def test_who_may_see_and_move_a_deal(pages, board):
    assert pages.as_("alice").get("/opportunities/99999").status_code == 404
    assert pages.as_("bob").get(f"/opportunities/{board['roll_out']}").status_code == 403
    assert pages.as_("lena").get(f"/opportunities/{board['roll_out']}").status_code == 403
    director = pages.as_("sam")
    html = text_of(director.get(f"/opportunities/{board['roll_out']}"))
    assert "ACME roll-out" in html and 'data-testid="stage-form"' not in html
    assert 'data-testid="new-quote"' not in html
    assert director.post(f"/opportunities/{board['roll_out']}/stage",
                         {"stage": "won"}).status_code == 403


def test_the_pipeline_in_chinese(pages, board):
    page = pages.as_("alice")
    page.post("/language", {"language": "zh-CN", "next": "/pipeline"})
    html = text_of(page.get("/pipeline"))
    assert "<h1>销售漏斗</h1>" in html and "初步接触" in html and "商务谈判" in html
    assert "加权金额" in html and "按月预测" in html
    deal = text_of(page.get(f"/opportunities/{board['roll_out']}"))
    assert "阶段历史" in deal and "变更阶段" in deal and "新建报价" in deal
