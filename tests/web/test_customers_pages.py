"""Customer 360 pages: the list, one customer with contacts, open deals and the timeline, and
logging a note or a call from the page."""

import pytest
from page_text import field_block, text_of, visible_text


@pytest.fixture
def acme(api):
    """alice's customer ACME Robotics with a contact and an open opportunity."""
    customer = api.as_("alice").post("/api/customers", json={
        "name": "ACME Robotics", "industry": "manufacturing", "region": "east_china"}).json
    contact = api.as_("alice").post(f"/api/customers/{customer['id']}/contacts", json={
        "name": "Wang Wei", "phone": "13800138000", "email": "wang.wei@acme.example"}).json
    deal = api.as_("alice").post("/api/opportunities", json={
        "customer_id": customer["id"], "name": "ACME CRM roll-out", "amount": "80000",
        "contact_id": contact["id"]}).json
    return {"id": customer["id"], "contact_id": contact["id"], "deal_id": deal["id"]}


def test_a_rep_finds_their_customers_by_name(pages, api, acme):
    api.as_("alice").post("/api/customers", json={"name": "Initech"})
    api.as_("bob").post("/api/customers", json={"name": "Bob's Bakery"})
    page = pages.as_("alice")
    listed = text_of(page.get("/customers"))
    assert "ACME Robotics" in listed and "Initech" in listed
    assert "Bob&#39;s Bakery" not in listed  # bob's customer: not alice's to see
    assert f'href="/customers/{acme["id"]}"' in listed
    assert "Manufacturing" in listed and "East China" in listed
    found = text_of(page.get("/customers?q=acme"))
    assert "ACME Robotics" in found and "Initech" not in found
    assert "No customer has that in its name." in text_of(page.get("/customers?q=zzz"))


def test_the_list_pages_through_many_customers(pages, api):
    for n in range(27):
        api.as_("alice").post("/api/customers", json={"name": f"Customer {n:02d}"})
    page = pages.as_("alice")
    first = text_of(page.get("/customers"))
    assert "Customer 26" in first and "Customer 01" not in first  # newest first
    assert 'rel="next" href="/customers?page=2"' in first and "Page 1 of 2" in first
    second = text_of(page.get("/customers?page=2"))
    assert "Customer 01" in second and "Customer 00" in second


def test_the_360_view_shows_facts_contacts_open_deals_and_the_timeline(pages, acme):
    html = text_of(pages.as_("alice").get(f"/customers/{acme['id']}"))
    assert "<h1>ACME Robotics</h1>" in html
    assert "Wang Wei" in html and 'href="tel:13800138000"' in html
    assert f'href="/opportunities/{acme["deal_id"]}"' in html and "ACME CRM roll-out" in html
    assert "¥80,000.00" in html and "Initial contact" in html
    assert 'data-kind="opportunity.created"' in html and 'data-kind="customer.created"' in html
    assert "Opportunity created" in html and "Customer created" in html


def test_logging_a_call_puts_it_on_the_timeline(pages, api, acme):
    page = pages.as_("alice")
    response = page.post(f"/customers/{acme['id']}/interactions", {
        "kind": "call", "contact_id": str(acme["contact_id"]), "subject": "First call",
        "body": "Wants a demo next week", "outcome": "demo booked", "duration": "25"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/customers/{acme['id']}#timeline")
    html = text_of(page.get(f"/customers/{acme['id']}"))
    assert "Added to the timeline." in html
    assert 'data-kind="interaction.call"' in html and "First call" in html
    assert "Wants a demo next week" in html and "demo booked" in html and "25 min" in html
    logged = api.as_("alice").get(f"/api/customers/{acme['id']}/interactions").json["items"]
    assert [(i["kind"], i["by"], i["contact_id"], i["data"]) for i in logged] == [
        ("call", "alice", acme["contact_id"],
         {"outcome": "demo booked", "duration_minutes": 25})]


def test_a_note_needs_a_subject_or_a_body_and_keeps_what_was_typed(pages, acme):
    response = pages.as_("alice").post(f"/customers/{acme['id']}/interactions", {
        "kind": "call", "subject": " ", "body": "", "outcome": "no answer", "duration": "x"})
    assert response.status_code == 422
    html = text_of(response)
    assert "send a subject or a body" in field_block(html, "subject")
    assert "whole minutes, at most 1440" in field_block(html, "duration")
    assert 'value="no answer"' in html


def test_an_unknown_kind_or_contact_is_422_naming_the_field(pages, api, acme):
    page = pages.as_("alice")
    response = page.post(f"/customers/{acme['id']}/interactions",
                         {"kind": "fax", "subject": "hello"})
    assert response.status_code == 422
    assert "Must be one of" in field_block(text_of(response), "kind")
    other = api.as_("bob").post("/api/customers", json={"name": "Other"}).json
    stranger = api.as_("bob").post(f"/api/customers/{other['id']}/contacts",
                                   json={"name": "Stranger"}).json
    response = page.post(f"/customers/{acme['id']}/interactions", {
        "kind": "note", "subject": "hello", "contact_id": str(stranger["id"])})
    assert response.status_code == 422
    assert "not a contact of this customer" in field_block(text_of(response), "contact_id")


def test_a_typed_kind_never_becomes_script(pages, acme):
    response = pages.as_("alice").post(f"/customers/{acme['id']}/interactions",
                                       {"kind": "x'+alert(1)+'", "subject": "hello"})
    assert response.status_code == 422
    assert "alert" not in text_of(response).split("x-data=")[1].split(">")[0]


def test_a_huge_page_number_is_an_empty_page_not_an_error(pages, acme):
    alice = pages.as_("alice")
    assert "ACME Robotics" in text_of(alice.get("/customers"))
    beyond = alice.get("/customers?page=99999999999999999999")
    assert beyond.status_code == 200 and "ACME Robotics" not in text_of(beyond)


def test_logging_needs_the_csrf_token(pages, acme):
    response = pages.as_("alice").post(f"/customers/{acme['id']}/interactions",
                                       {"kind": "note", "subject": "x"}, csrf=False)
    assert response.status_code == 400
    assert "security token" in text_of(response)


def test_who_may_see_and_log(pages, acme):
    assert pages.as_("lena").get("/customers").status_code == 403
    assert pages.as_("bob").get(f"/customers/{acme['id']}").status_code == 403
    assert pages.as_("alice").get("/customers/99999").status_code == 404
    anonymous = pages.anonymous().get(f"/customers/{acme['id']}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    director = pages.as_("sam")  # sees every customer, logs nothing (as in the API)
    html = text_of(director.get(f"/customers/{acme['id']}"))
    assert "ACME Robotics" in html and 'data-testid="interaction-form"' not in html
    assert director.post(f"/customers/{acme['id']}/interactions",
                         {"kind": "note", "subject": "x"}).status_code == 403
    assert pages.as_("mia").get(f"/customers/{acme['id']}").status_code == 200  # her rep's


def test_the_timeline_is_paged_newest_first(pages, api, acme):
    for n in range(20):
        api.as_("alice").post("/api/interactions", json={
            "customer_id": acme["id"], "kind": "note", "subject": f"Note {n:02d}",
            "occurred_at": f"2030-01-{n + 1:02d}T09:00:00+00:00"})
    page = pages.as_("alice")
    first = text_of(page.get(f"/customers/{acme['id']}"))
    assert first.index("Note 19") < first.index("Note 18")
    assert 'data-kind="customer.created"' not in first and "Page 1 of 2" in first
    second = text_of(page.get(f"/customers/{acme['id']}?page=2"))
    assert 'data-kind="customer.created"' in second and "Note 19" not in second


def test_the_customer_pages_in_chinese(pages, acme):
    page = pages.as_("alice")
    page.post("/language", {"language": "zh-CN", "next": "/customers"})
    assert "按名称搜索" in text_of(page.get("/customers"))
    html = text_of(page.get(f"/customers/{acme['id']}"))
    assert "时间线" in html and "进行中的商机" in html and "初步接触" in html
    assert "商机创建" in html and "制造业" in html and "记入时间线" in html
    response = page.post(f"/customers/{acme['id']}/interactions", {"kind": "note"})
    assert response.status_code == 422 and "请修改标出的字段。" in text_of(response)


def test_a_chinese_timeline_tells_its_story_in_chinese(pages, api, alices_lead):
    """The lead's events, the customer's and the deal's creation and the tasks (by their
    forms' titles) are told in the page's language, not in the API's English titles."""
    lead = alices_lead
    converted = api.as_("alice").post(f"/api/leads/{lead['id']}/convert", json={
        "opportunity_name": "Acme ERP", "amount": "48000"})
    assert converted.status_code == 200, converted.json
    customer = api.as_("alice").get(f"/api/leads/{lead['id']}").json["account_id"]
    page = pages.as_("alice")
    english = visible_text(page.get(f"/customers/{customer}"))
    assert "Lead Wang Wei: Converted" in english and "Call the lead" in english
    page.post("/language", {"language": "zh-CN", "next": "/customers"})
    html = visible_text(page.get(f"/customers/{customer}"))
    assert "线索「Wang Wei」：已转化" in html and "线索「Wang Wei」：收到线索" in html
    assert "客户「Acme Shanghai」已创建" in html and "商机「Acme ERP」已创建" in html
    assert "致电线索" in html and "Call the lead" not in html
    assert "converted" not in html and " created" not in html
