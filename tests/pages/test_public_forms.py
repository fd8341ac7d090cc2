"""The public lead form /forms/<form_key>: no login, en and zh-CN, limits against abuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from diagrams import ROUTING_STAND_IN
from sqlalchemy import select

from app.models.lead import Lead, LeadTouch

WEBSITE_FORM = Path(__file__).resolve().parents[2] / "bpmn" / "forms" / "website_lead.json"
PRIVATE_FORM = {"key": "call_notes", "fields": [{"name": "notes", "type": "text"}]}


@pytest.fixture
def website_form(api):
    api.deploy_text({"website_lead.json": WEBSITE_FORM.read_text(encoding="utf-8")})


def leads(app) -> list[Lead]:
    with app.app_context(), app.extensions["crm_db"].unit_of_work(write=False) as session:
        return list(session.scalars(select(Lead).order_by(Lead.id)))


def touches(app) -> list[LeadTouch]:
    with app.app_context(), app.extensions["crm_db"].unit_of_work(write=False) as session:
        return list(session.scalars(select(LeadTouch).order_by(LeadTouch.id)))


FILLED = {"name": "Chen Jing", "company": "Suzhou Parts", "phone": "139 1234 5678",
          "email": "", "region": "east_china", "industry": "manufacturing",
          "company_size": "80", "product_interest": "crm_solution", "budget": "120000",
          "contact_time": "morning", "notes": "We need a CRM for 20 reps",
          "company_website": ""}


# -- the page --------------------------------------------------------------------------------

def test_the_form_page_renders_in_english_without_login(client, website_form):
    page = client.get("/forms/website_lead")
    assert page.status_code == 200
    assert page.content_type.startswith("text/html")
    html = page.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Talk to our sales team" in html and "Mobile phone" in html
    assert 'name="company_website"' in html  # the honeypot, hidden from people
    assert 'action="/forms/website_lead?lang=en"' in html
    assert "<script" not in html


@pytest.mark.parametrize("how", [{"query_string": {"lang": "zh-CN"}},
                                 {"headers": {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}},
                                 {"headers": {"Accept-Language": "zh-TW"}}])
def test_the_form_page_renders_in_chinese(client, website_form, how):
    page = client.get("/forms/website_lead", **how)
    html = page.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "联系销售顾问" in html and "手机号码" in html and "华东" in html and "提交" in html


def test_lang_in_the_query_wins_over_the_browser(client, website_form):
    page = client.get("/forms/website_lead?lang=en", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in page.get_data(as_text=True)


def test_the_page_may_be_framed_and_runs_no_scripts(client, app, website_form):
    page = client.get("/forms/website_lead")
    assert "X-Frame-Options" not in page.headers
    policy = page.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in policy and "default-src 'none'" in policy
    app.config["FORM_FRAME_ANCESTORS"] = "https://www.example.com"
    limited = client.get("/forms/website_lead")
    assert "frame-ancestors https://www.example.com" in limited.headers["Content-Security-Policy"]


def test_a_form_that_is_not_public_or_not_deployed_is_404(client, api):
    api.deploy_text({"call_notes.json": json.dumps(PRIVATE_FORM)})
    for key in ("call_notes", "nothing_here"):
        page = client.get(f"/forms/{key}")
        assert page.status_code == 404
        assert "This form does not exist" in page.get_data(as_text=True)
        posted = client.post(f"/forms/{key}", json={"name": "x", "phone": "13800138000"})
        assert posted.status_code == 404 and posted.json["error"] == "not_found"


def test_the_latest_deployed_version_is_shown(client, api, website_form):
    changed = json.loads(WEBSITE_FORM.read_text(encoding="utf-8"))
    changed["title"]["en"] = "Ask for a demo"
    api.deploy_text({"website_lead.json": json.dumps(changed)})
    assert "Ask for a demo" in client.get("/forms/website_lead").get_data(as_text=True)


# -- submitting ------------------------------------------------------------------------------

def test_an_html_post_creates_the_lead_and_thanks_the_visitor(client, app, website_form):
    response = client.post("/forms/website_lead?lang=zh-CN", data=FILLED)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "感谢您的咨询" in html
    assert response.headers["Cache-Control"] == "no-store"
    [lead] = leads(app)
    assert (lead.name, lead.phone, lead.region, lead.company_size, str(lead.budget)) == (
        "Chen Jing", "139 1234 5678", "east_china", 80, "120000.00")
    assert lead.source == "web_form" and lead.campaign == "website"
    assert lead.email is None  # a blank field is no value
    assert lead.custom == {"contact_time": "morning"}
    assert lead.notes == "We need a CRM for 20 reps"
    assert lead.created_by is None


def test_a_json_post_gets_a_json_answer(client, app, website_form):
    response = client.post("/forms/website_lead", json={
        "name": "Chen Jing", "email": "chen@example.com", "company_size": 5})
    assert response.status_code == 201
    assert response.json == {"status": "received", "message": (
        "Thank you! A sales consultant will contact you within one working day.")}
    assert leads(app)[0].email == "chen@example.com"


def test_a_second_submission_with_the_same_phone_is_a_touch_of_the_first_lead(
        client, app, website_form):
    first = client.post("/forms/website_lead", data=FILLED)
    second = client.post("/forms/website_lead", data={**FILLED, "phone": "+86 13912345678",
                                                      "email": "chen@example.com"})
    assert first.status_code == second.status_code == 200
    assert first.get_data() == second.get_data()  # a visitor learns nothing about our data
    [lead] = leads(app)
    assert lead.email == "chen@example.com"
    assert [t.source for t in touches(app)] == ["web_form", "web_form"]


def test_invalid_fields_redisplay_the_form_with_messages(client, app, website_form):
    response = client.post("/forms/website_lead?lang=zh-CN", data={
        **FILLED, "phone": "12345", "company_size": "many", "region": "mars"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请修改标出的字段" in html
    assert "请填写整数" in html and "请从列表中选择" in html
    assert "请填写有效的电话号码" in html  # the lead's own checks show at the same time
    assert 'value="Chen Jing"' in html  # what was typed stays
    assert leads(app) == []
    phone = client.post("/forms/website_lead", data={**FILLED, "phone": "12345"})
    assert phone.status_code == 422
    assert "not a phone number" in phone.get_data(as_text=True)


def test_invalid_json_fields_are_a_json_422(client, website_form):
    response = client.post("/forms/website_lead", json={"name": "", "phone": "12345",
                                                        "shoe_size": 42})
    assert response.status_code == 422
    assert set(response.json["fields"]) == {"name", "phone", "shoe_size"}
    missing_contact = client.post("/forms/website_lead", json={"name": "Chen"})
    assert missing_contact.status_code == 422
    assert set(missing_contact.json["fields"]) == {"phone", "email"}
    bad_phone = client.post("/forms/website_lead", json={"name": "Chen", "phone": "12345"})
    assert list(bad_phone.json["fields"]) == ["phone"]


def test_a_filled_honeypot_looks_like_success_and_records_nothing(client, app, website_form):
    real = client.post("/forms/website_lead", data=FILLED)
    bot = client.post("/forms/website_lead", data={**FILLED, "name": "Spam",
                                                  "company_website": "http://spam.example"})
    assert bot.status_code == real.status_code == 200
    assert bot.get_data() == real.get_data()
    as_json = client.post("/forms/website_lead", json={"name": "Spam", "phone": "13700137000",
                                                       "company_website": "x"})
    assert as_json.status_code == 201 and as_json.json["status"] == "received"
    assert [lead.name for lead in leads(app)] == ["Chen Jing"]


def test_an_oversized_body_is_413(client, app, website_form):
    app.config["CAPTURE_MAX_BYTES"] = 4096
    page = client.post("/forms/website_lead", data={**FILLED, "notes": "x" * 5000})
    assert page.status_code == 413
    assert "too large" in page.get_data(as_text=True)
    as_json = client.post("/forms/website_lead", json={**FILLED, "notes": "x" * 5000})
    assert as_json.status_code == 413 and as_json.json["error"] == "too_large"
    assert leads(app) == []


def test_submissions_beyond_the_limit_per_address_are_429_with_retry_after(
        client, app, website_form):
    app.config.update(FORM_RATE_LIMIT=2, FORM_RATE_WINDOW_SECONDS=600)
    assert client.post("/forms/website_lead", data=FILLED).status_code == 200
    invalid = client.post("/forms/website_lead", data={**FILLED, "phone": "1"})
    assert invalid.status_code == 422  # counted too: failing is no way around the limit
    blocked = client.post("/forms/website_lead", data=FILLED)
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 600
    assert "Too many submissions" in blocked.get_data(as_text=True)
    as_json = client.post("/forms/website_lead", json={"name": "x", "phone": "13800138000"})
    assert as_json.status_code == 429 and as_json.json["error"] == "too_many_requests"
    elsewhere = client.post("/forms/website_lead", data=FILLED,
                            environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert elsewhere.status_code == 200
    assert client.get("/forms/website_lead").status_code == 200  # reading is not limited


def test_the_limit_is_shared_through_the_database(app, website_form):
    """Two app instances (two workers) count against one limit."""
    from app import create_app

    app.config.update(FORM_RATE_LIMIT=2)
    other = create_app({**{k: app.config[k] for k in (
        "TESTING", "DATABASE_URL", "SECRET_KEY", "TEST_CLOCK", "DEPLOY_ON_START",
        "INSTANCE_DIR", "PASSWORD_HASH_METHOD")}, "FORM_RATE_LIMIT": 2})
    try:
        assert app.test_client().post("/forms/website_lead", data=FILLED).status_code == 200
        assert other.test_client().post("/forms/website_lead", data=FILLED).status_code == 200
        assert app.test_client().post("/forms/website_lead", data=FILLED).status_code == 429
        assert other.test_client().post("/forms/website_lead", data=FILLED).status_code == 429
    finally:
        other.extensions["crm_db"].dispose()


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(app, website_form):
    from app import create_app

    proxied = create_app({**{k: app.config[k] for k in (
        "TESTING", "DATABASE_URL", "SECRET_KEY", "TEST_CLOCK", "DEPLOY_ON_START",
        "INSTANCE_DIR", "PASSWORD_HASH_METHOD")}, "FORM_RATE_LIMIT": 1, "TRUSTED_PROXIES": 1})
    try:
        client = proxied.test_client()
        one = {"X-Forwarded-For": "203.0.113.1"}
        assert client.post("/forms/website_lead", data=FILLED, headers=one).status_code == 200
        assert client.post("/forms/website_lead", data=FILLED, headers=one).status_code == 429
        two = {"X-Forwarded-For": "203.0.113.2"}
        assert client.post("/forms/website_lead", data=FILLED, headers=two).status_code == 200
    finally:
        proxied.extensions["crm_db"].dispose()




def test_a_new_web_lead_starts_lead_routing(client, api, app, website_form):
    api.deploy_text({"lead_routing.bpmn": ROUTING_STAND_IN})
    assert client.post("/forms/website_lead", data=FILLED).status_code == 200
    [lead] = leads(app)
    found = api.as_("mia").get(f"/api/process-instances?business_key=lead:{lead.id}")
    assert found.json["total"] == 1
    assert found.json["items"][0]["variables"]["source"] == "web_form"
