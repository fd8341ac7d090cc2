"""The leads pages: the list, one lead with its routing explanation, conversion, closing, and
the pool (claims and dispatch), driven by the shipped routing table and follow-up SOP."""

from __future__ import annotations

import re

import pytest
from page_text import field_block, text_of
from sample_leads import capture_lead


@pytest.fixture
def pooled_lead(api, shipped) -> dict:
    """An overseas lead matches only the table's last rule: the pool."""
    lead = capture_lead(api, name="Li Na", company="Far Away Ltd", phone="139 0013 9000",
                   region="overseas", industry="other", product_interest="other")
    assert lead["status"] == "pool" and lead["owner"] is None
    return lead


# -- who may come in -------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/leads", "/leads/pool", "/leads/1"])
def test_anonymous_people_are_sent_to_sign_in(pages, path):
    response = pages.anonymous().get(path)
    assert response.status_code == 302 and response.location.startswith("/login?next=")


@pytest.mark.parametrize("person, path", [("ana", "/leads"), ("fiona", "/leads/1"),
                                          ("sam", "/leads/pool"), ("lena", "/leads/pool")])
def test_other_roles_get_a_403_page_naming_the_roles(pages, shipped, person, path):
    response = pages.as_(person).get(path)
    assert response.status_code == 403
    assert "This page needs one of the roles" in text_of(response)


def test_a_rep_may_not_dispatch_and_a_manager_may_not_claim(pages, pooled_lead):
    lead_id = pooled_lead["id"]
    assert pages.as_("alice").post(f"/leads/{lead_id}/assign", {"owner": "bob"}) \
        .status_code == 403
    assert pages.as_("mia").post(f"/leads/{lead_id}/claim").status_code == 403


def test_the_menu_shows_leads_to_sales_not_to_analysts(pages, shipped):
    assert 'href="/leads"' in text_of(pages.as_("alice").get("/inbox"))
    assert 'href="/leads"' not in text_of(pages.as_("ana").get("/inbox"))


# -- the list --------------------------------------------------------------------------------

def test_reps_see_their_own_leads_and_the_public_form_link(api, pages, alices_lead):
    carols = capture_lead(api, "mia", name="Zhao Lei", company="ACME Robotics",
                     phone="137 0013 7000", region="north_china",
                     product_interest="crm_solution")
    assert carols["owner"] == "carol"
    html = text_of(pages.as_("alice").get("/leads"))
    assert f'data-lead-id="{alices_lead["id"]}"' in html
    assert f'data-lead-id="{carols["id"]}"' not in html
    assert 'href="/forms/website_lead?lang=en"' in html
    response = pages.as_("alice").get(f"/leads/{carols['id']}")
    assert response.status_code == 403 and "belongs to someone else" in text_of(response)


def test_filters_by_status_and_owner(pages, alices_lead, pooled_lead):
    mia = pages.as_("mia")
    pool = text_of(mia.get("/leads?status=pool"))
    assert f'data-lead-id="{pooled_lead["id"]}"' in pool
    assert f'data-lead-id="{alices_lead["id"]}"' not in pool
    owned = text_of(mia.get("/leads?owner=alice"))
    assert f'data-lead-id="{alices_lead["id"]}"' in owned
    assert f'data-lead-id="{pooled_lead["id"]}"' not in owned
    nonsense = mia.get("/leads?status=bogus&page=x")  # ignored, not an error
    assert nonsense.status_code == 200
    for lead in (alices_lead, pooled_lead):
        assert f'data-lead-id="{lead["id"]}"' in text_of(nonsense)


@pytest.mark.parametrize("typed", ["far away", "Li N", "139-0013-9000", "9000"])
def test_a_lead_is_found_by_name_company_or_phone_however_typed(pages, alices_lead,
                                                                 pooled_lead, typed):
    found = text_of(pages.as_("mia").get(f"/leads?q={typed}"))
    assert f'data-lead-id="{pooled_lead["id"]}"' in found
    assert f'data-lead-id="{alices_lead["id"]}"' not in found
    assert f'value="{typed}"' in found


def test_the_search_finds_only_what_the_person_may_see(api, pages, alices_lead, pooled_lead):
    assert 'data-lead-id="' not in text_of(pages.as_("bob").get("/leads?q=Wang"))
    response = api.as_("alice").get("/api/leads?q=100%25")  # a % is a character, not a wildcard
    assert response.status_code == 200 and response.json["total"] == 0
    assert api.as_("alice").get("/api/leads?q=acme").json["total"] == 1


def test_the_list_speaks_chinese(pages, alices_lead):
    alice = pages.as_("alice")
    alice.post("/language", {"language": "zh-CN"})
    html = text_of(alice.get("/leads"))
    assert "<h1>线索</h1>" in html and "已分配" in html and "公开线索表单" in html


# -- one lead --------------------------------------------------------------------------------

def test_the_detail_explains_the_routing_and_links_the_first_call(api, pages, alices_lead):
    html = text_of(pages.as_("alice").get(f"/leads/{alices_lead['id']}"))
    assert "Acme Shanghai" in html and "138 0013 8000" in html and "¥50,000.00" in html
    assert "east_china_manufacturing_to_shanghai_a" in html
    assert "Least loaded" in html and "<dd>shanghai_a</dd>" in html
    assert html.count('data-testid="candidate"') == 2 and "fewest open leads" in html
    task = api.as_("alice").get("/api/tasks?assignee=me").json["items"][0]
    assert f'href="/tasks/{task["id"]}"' in html and "Call the lead" in html
    assert 'data-testid="convert"' in html and 'data-testid="close-lead"' in html
    assert 'data-testid="dispatch"' not in html  # reps do not dispatch


def test_the_detail_in_chinese(pages, alices_lead):
    alice = pages.as_("alice")
    alice.post("/language", {"language": "zh-CN"})
    html = text_of(alice.get(f"/leads/{alices_lead['id']}"))
    assert "分配依据" in html and "最少负载" in html and "转化为客户" in html
    assert "华东" in html and "制造业" in html  # the lead's codes, in words


def test_an_unknown_lead_is_a_404_page(pages, shipped):
    response = pages.as_("alice").get("/leads/9999")
    assert response.status_code == 404 and "Not found" in text_of(response)
    assert pages.as_("alice").post("/leads/9999/convert").status_code == 404


def test_a_bad_amount_is_422_next_to_it_keeping_the_opportunity_name(pages, alices_lead):
    response = pages.as_("alice").post(f"/leads/{alices_lead['id']}/convert",
                                       {"opportunity_name": "Acme ERP", "amount": "lots"})
    assert response.status_code == 422
    html = text_of(response)
    assert "Not a valid number" in field_block(html, "amount")
    assert 'value="Acme ERP"' in field_block(html, "opportunity_name")


def test_converting_goes_to_the_customer_and_ends_the_follow_up(api, pages, alices_lead):
    alice = pages.as_("alice")
    response = alice.post(f"/leads/{alices_lead['id']}/convert",
                          {"opportunity_name": "Acme ERP", "amount": "48000"})
    assert response.status_code == 302, text_of(response)
    lead = api.as_("alice").get(f"/api/leads/{alices_lead['id']}").json
    assert lead["status"] == "converted" and lead["account_id"]
    assert response.location == f"/customers/{lead['account_id']}"
    html = text_of(alice.get(f"/leads/{alices_lead['id']}"))
    assert "Converted" in html and f'href="/customers/{lead["account_id"]}"' in html
    assert 'data-testid="convert"' not in html and "No open tasks." in html
    assert api.as_("alice").get("/api/tasks?assignee=me").json["total"] == 0


def test_closing_needs_a_reason_then_closes(api, pages, alices_lead):
    alice = pages.as_("alice")
    url = f"/leads/{alices_lead['id']}/close"
    response = alice.post(url, {"reason": "   "})
    assert response.status_code == 422
    assert "Missing data for required field" in field_block(text_of(response), "reason")
    response = alice.post(url, {"reason": "bought elsewhere"})
    assert response.status_code == 302
    html = text_of(alice.get(response.location))
    assert "The lead is closed." in html and "bought elsewhere" in html
    again = alice.post(url, {"reason": "twice"})
    assert "closed already" in text_of(alice.get(again.location))


def test_converting_a_closed_lead_is_a_message(pages, alices_lead):
    alice = pages.as_("alice")
    alice.post(f"/leads/{alices_lead['id']}/close", {"reason": "spam"})
    response = alice.post(f"/leads/{alices_lead['id']}/convert")
    assert response.status_code == 302
    assert "cannot be converted" in text_of(alice.get(response.location))


def test_a_lead_form_post_without_the_csrf_token_is_400(pages, alices_lead):
    response = pages.as_("alice").post(f"/leads/{alices_lead['id']}/convert", csrf=False)
    assert response.status_code == 400


# -- the pool --------------------------------------------------------------------------------

def test_a_rep_claims_from_the_pool_and_gets_the_first_call(api, pages, pooled_lead):
    bob = pages.as_("bob")
    html = text_of(bob.get("/leads/pool"))
    assert f'data-lead-id="{pooled_lead["id"]}"' in html and 'data-testid="claim-lead"' in html
    assert 'data-testid="dispatch"' not in html
    response = bob.post(f"/leads/{pooled_lead['id']}/claim", {"next": "/leads/pool"})
    assert response.status_code == 302 and response.location == "/leads/pool"
    html = text_of(bob.get("/leads/pool"))
    assert "is yours now" in html and "The pool is empty." in html
    tasks = api.as_("bob").get("/api/tasks?assignee=me").json["items"]
    assert [t["element_id"] for t in tasks] == ["first_call"]


def test_the_daily_claim_limit_is_a_message(api, app, pages, pooled_lead):
    second = capture_lead(api, name="Zhou", company="Other Ltd", phone="136 0013 6000",
                     region="overseas", industry="other", product_interest="other")
    app.config["LEAD_CLAIM_LIMIT"] = 1
    bob = pages.as_("bob")
    bob.post(f"/leads/{pooled_lead['id']}/claim")
    response = bob.post(f"/leads/{second['id']}/claim")
    html = text_of(bob.get(response.location))
    assert "could not be claimed" in html and "the limit is 1" in html
    assert api.as_("mia").get(f"/api/leads/{second['id']}").json["status"] == "pool"


def test_a_manager_dispatches_a_pool_lead_to_a_rep(api, pages, pooled_lead):
    mia = pages.as_("mia")
    html = text_of(mia.get("/leads/pool"))
    assert 'data-testid="dispatch"' in html and '<option value="dave">' in html
    assert 'data-testid="claim-lead"' not in html
    response = mia.post(f"/leads/{pooled_lead['id']}/assign", {"owner": ""})
    assert "choose a sales rep" in text_of(mia.get(response.location))
    response = mia.post(f"/leads/{pooled_lead['id']}/assign",
                        {"owner": "dave", "next": f"/leads/{pooled_lead['id']}"})
    assert response.location == f"/leads/{pooled_lead['id']}"
    html = text_of(mia.get(response.location))
    assert "now belongs to dave" in html
    assert re.search(r'data-testid="lead-owner">dave', html)
    assert api.as_("dave").get("/api/tasks?assignee=me").json["total"] == 1


def test_the_pool_in_chinese(pages, pooled_lead):
    bob = pages.as_("bob")
    bob.post("/language", {"language": "zh-CN"})
    html = text_of(bob.get("/leads/pool"))
    assert "公海池" in html and "领取" in html


def test_the_list_pages_keeping_its_filters(api, monkeypatch, pages, alices_lead):
    from app.web.pages import leads as lead_pages

    second = capture_lead(api, name="Sun Li", company="Acme Suzhou", phone="135 0013 5000")
    monkeypatch.setattr(lead_pages, "PER_PAGE", 1)
    mia = pages.as_("mia")  # manages Shanghai team A: alice's and bob's leads
    first_page = text_of(mia.get("/leads?team=shanghai_a"))
    assert f'data-lead-id="{second["id"]}"' in first_page  # newest first
    assert "Page 1 of 2" in first_page
    assert 'href="/leads?team=shanghai_a&amp;page=2"' in first_page
    second_page = text_of(mia.get("/leads?team=shanghai_a&page=2"))
    assert f'data-lead-id="{alices_lead["id"]}"' in second_page and "Previous" in second_page


def test_the_routing_reasons_read_in_chinese(pages, pooled_lead):
    mia = pages.as_("mia")
    mia.post("/language", {"language": "zh-CN"})
    assert "决策表将其放入线索池" in text_of(mia.get(f"/leads/{pooled_lead['id']}"))


@pytest.mark.parametrize("why, chinese", [
    ("team 'north' does not exist", "团队 north 不存在"),
    ("unknown strategy 'lottery'", "未知的分配策略 lottery"),
    ("nobody in the team could take it: the team lead", "团队中无人可接：交给团队负责人"),
    ("nobody in the team nor its lead could take it", "团队及其负责人都无法接手"),
    ("inactive", "已停用"),
    ("on leave", "休假中"),
    ("daily cap reached (5/5)", "已达每日上限（5/5）"),
    ("a reason from a later version", "a reason from a later version"),
])
def test_every_routing_reason_has_its_chinese(app, why, chinese):
    from app.web.pages.leads import routing_reason

    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert routing_reason(why) == chinese
