"""Quotes, contract approval, signing and after-sales, driven through the API with the
shipped processes (bpmn/quote.bpmn, bpmn/contract_approval.bpmn, bpmn/after_sales.bpmn) and
decision tables (dmn/discount_policy.dmn, dmn/contract_approvers.dmn)."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from app.services import catalog, users


@pytest.fixture
def catalogue(app):
    with app.app_context(), app.extensions["crm_db"].unit_of_work() as session:
        catalog.seed_demo_catalog(session)


@pytest.fixture
def deal(api, shipped, catalogue):
    """alice's opportunity with ACME Robotics (a standard-tier customer with a contact)."""
    customer = api.as_("alice").post("/api/customers", json={"name": "ACME Robotics"})
    assert customer.status_code == 201, customer.json
    contact = api.as_("alice").post(f"/api/customers/{customer.json['id']}/contacts", json={
        "name": "Wang Wei", "email": "wang.wei@acme.example", "phone": "13800138000"})
    assert contact.status_code == 201, contact.json
    response = api.as_("alice").post("/api/opportunities", json={
        "customer_id": customer.json["id"], "name": "ACME CRM roll-out",
        "contact_id": contact.json["id"]})
    assert response.status_code == 201, response.json
    return response.json


def quote(api, deal, lines, user="alice", expect=201):
    response = api.as_(user).post(f"/api/opportunities/{deal['id']}/quotes",
                                  json={"lines": lines})
    assert response.status_code == expect, response.json
    return response.json


def document_of(api, q):
    return api.as_("alice").get(f"/api/quotes/{q['id']}").json["document_id"]


def tasks_of(api, instance_id, user="admin"):
    return api.as_(user).instance(instance_id)["active_tasks"]


def only_task(api, instance_id, element_id):
    found = [t for t in tasks_of(api, instance_id) if t["element_id"] == element_id]
    assert len(found) == 1, [t["element_id"] for t in tasks_of(api, instance_id)]
    return found[0]


# -- quotes ----------------------------------------------------------------------------------

def test_a_quotes_totals_by_hand(api, deal):
    q = quote(api, deal, [{"product": "CRM-STD", "quantity": 10, "discount_pct": "10"},
                          {"product": "IMPL-DAY", "quantity": "2.5"}])
    # CRM-STD: 10 x 1,200.00 = 12,000.00; 10 % off: 1,200.00; net 10,800.00;
    #          VAT 13 %: 1,404.00; total 12,204.00
    # IMPL-DAY: 2.5 x 3,000.00 = 7,500.00; no discount; VAT 6 %: 450.00; total 7,950.00
    first, second = q["lines"]
    assert (first["gross"], first["discount"], first["net"], first["tax"], first["total"]) == (
        "12000.00", "1200.00", "10800.00", "1404.00", "12204.00")
    assert (second["gross"], second["discount"], second["net"], second["tax"],
            second["total"]) == ("7500.00", "0.00", "7500.00", "450.00", "7950.00")
    assert (q["subtotal"], q["discount_total"], q["net_total"], q["tax_total"],
            q["grand_total"]) == ("19500.00", "1200.00", "18300.00", "1854.00", "20154.00")
    assert q["version"] == 1 and q["currency"] == "CNY"
    # a standard customer, 19,500.00 of software and services: 10 % is the policy's maximum
    assert [(line["max_discount_pct"], line["beyond_policy"]) for line in q["lines"]] == [
        ("10.00", False), ("10.00", False)]
    assert q["special_discount"] is False and q["status"] == "sent"  # rendered, with alice


def test_the_preview_prices_without_storing(api, deal):
    response = api.as_("alice").post(f"/api/opportunities/{deal['id']}/quotes/preview",
                                     json={"lines": [{"product": "HW-TERM", "quantity": 3,
                                                      "discount_pct": 8}]})
    assert response.status_code == 200, response.json
    # 3 x 1,800.00 = 5,400.00; 8 % = 432.00; net 4,968.00; VAT 13 % = 645.84; 5,613.84
    assert response.json["grand_total"] == "5613.84"
    assert response.json["lines"][0]["product"] == "HW-TERM"
    assert response.json["lines"][0]["max_discount_pct"] == "5.00"  # hardware: thin margins
    assert response.json["special_discount"] is True
    assert api.as_("alice").get(f"/api/opportunities/{deal['id']}/quotes").json == []


@pytest.mark.parametrize("line, field", [
    ({"product": "NOPE", "quantity": 1}, "lines.0.product"),
    ({"product": "CRM-STD", "quantity": 0}, "lines.0.quantity"),
    ({"product": "CRM-STD", "quantity": "1.2345"}, "lines.0.quantity"),
    ({"product": "CRM-STD", "quantity": 1, "discount_pct": 101}, "lines.0.discount_pct"),
    ({"product": "CRM-STD", "quantity": 1, "discount_pct": "ten"}, "lines.0.discount_pct"),
])
def test_a_bad_line_is_422_naming_it(api, deal, line, field):
    body = quote(api, deal, [line], expect=422)
    assert field in body["fields"], body


def test_quotes_need_lines_and_the_deals_writer(api, deal):
    assert "lines" in quote(api, deal, [], expect=422)["fields"]
    quote(api, deal, [{"product": "CRM-STD", "quantity": 1}], user="bob", expect=403)
    quote(api, deal, [{"product": "CRM-STD", "quantity": 1}], user="sam", expect=403)
    assert api.as_("carol").get(f"/api/opportunities/{deal['id']}/quotes").status_code in (
        403, 404)


def test_a_new_version_supersedes_the_open_one(api, deal):
    first = quote(api, deal, [{"product": "CRM-STD", "quantity": 5}])
    assert only_task(api, first["instance_id"], "customer_decision")["assignee"] == "alice"
    second = quote(api, deal, [{"product": "CRM-STD", "quantity": 6}])
    assert second["version"] == 2
    versions = api.as_("alice").get(f"/api/opportunities/{deal['id']}/quotes").json
    assert [(v["version"], v["status"]) for v in versions] == [(1, "superseded"), (2, "sent")]
    assert api.as_("admin").instance(first["instance_id"])["status"] == "cancelled"


def test_within_policy_goes_straight_to_the_document_and_the_customer(api, deal):
    q = quote(api, deal, [{"product": "CRM-STD", "quantity": 10, "discount_pct": 10}])
    assert document_of(api, q) is not None
    decision = only_task(api, q["instance_id"], "customer_decision")
    assert decision["assignee"] == "alice"
    api.as_("alice").complete(decision["id"], {"customer_decision": "accepted"})
    accepted = api.as_("alice").get(f"/api/quotes/{q['id']}").json
    assert accepted["status"] == "accepted" and accepted["decided_by"] == "alice"
    assert api.as_("alice").get(f"/api/opportunities/{deal['id']}").json["amount"] == (
        q["grand_total"])
    story = api.as_("alice").get(f"/api/customers/{deal['customer_id']}/timeline").json
    assert [i["kind"] for i in story["items"] if i["kind"].startswith("quote.")] == [
        "quote.accepted", "quote.created"]
    # frozen: no withdrawal, no new version
    assert api.as_("alice").delete(f"/api/quotes/{q['id']}").status_code == 409
    quote(api, deal, [{"product": "CRM-STD", "quantity": 1}], expect=409)


def test_beyond_policy_the_sales_then_the_finance_director_approve(api, deal):
    q = quote(api, deal, [{"product": "CRM-STD", "quantity": 10, "discount_pct": 15}])
    assert q["special_discount"] is True and q["status"] == "pending_approval"
    assert q["lines"][0]["beyond_policy"] is True
    director = only_task(api, q["instance_id"], "director_discount")
    assert director["candidate_groups"] == ["sales_director"]
    for outsider, status in (("alice", 403), ("mia", 403), ("fiona", 403)):
        response = api.as_(outsider).post(f"/api/tasks/{director['id']}/complete",
                                          json={"data": {"decision": "approve"}})
        assert response.status_code == status, (outsider, response.json)
    api.as_("sam").complete(director["id"], {"decision": "approve"})
    finance = only_task(api, q["instance_id"], "finance_discount")
    assert finance["candidate_groups"] == ["finance_director"]
    assert document_of(api, q) is None
    api.as_("fiona").complete(finance["id"], {"decision": "approve"})
    assert document_of(api, q) is not None
    assert api.as_("alice").get(f"/api/quotes/{q['id']}").json["status"] == "sent"


def test_a_refused_discount_needs_a_reason_and_ends_the_quote(api, deal):
    q = quote(api, deal, [{"product": "CRM-STD", "quantity": 10, "discount_pct": 15}])
    director = only_task(api, q["instance_id"], "director_discount")
    response = api.as_("sam").post(f"/api/tasks/{director['id']}/complete",
                                   json={"data": {"decision": "reject"}})
    assert response.status_code == 422 and "comment" in response.json["fields"]
    api.as_("sam").complete(director["id"], {"decision": "reject", "comment": "max 10 %"})
    refused = api.as_("alice").get(f"/api/quotes/{q['id']}").json
    assert (refused["status"], refused["decision_comment"], refused["decided_by"]) == (
        "discount_rejected", "max 10 %", "sam")
    assert document_of(api, q) is None


# -- contract approval -----------------------------------------------------------------------

def contract(api, deal, user="alice", expect=201, **body):
    response = api.as_(user).post(f"/api/opportunities/{deal['id']}/contracts", json=body)
    assert response.status_code == expect, response.json
    return response.json


def accepted_quote(api, deal, lines):
    q = quote(api, deal, lines)
    for element, who in (("director_discount", "sam"), ("finance_discount", "fiona")):
        found = [t for t in tasks_of(api, q["instance_id"]) if t["element_id"] == element]
        if found:
            api.as_(who).complete(found[0]["id"], {"decision": "approve"})
    decision = only_task(api, q["instance_id"], "customer_decision")
    api.as_("alice").complete(decision["id"], {"customer_decision": "accepted"})
    return q


def approve_all(api, contract_json):
    """Approve each step as the role's holder; returns the roles asked, in order."""
    who = {"sales_director": "sam", "legal_director": "lena", "finance_director": "fiona"}
    asked = []
    while True:
        pending = [t for t in tasks_of(api, contract_json["instance_id"])
                   if t["element_id"].endswith("_approval")]
        if not pending:
            return asked
        assert len(pending) == 1
        role = pending[0]["candidate_groups"][0]
        asked.append(role)
        api.as_(who[role]).complete(pending[0]["id"], {"decision": "approve"})


@pytest.mark.parametrize("amount, special, expected", [
    (30000, False, ["sales_director"]),
    (80000, False, ["sales_director", "legal_director"]),
    (80000, True, ["sales_director", "legal_director", "finance_director"]),
])
def test_the_three_approval_routes(api, deal, consulting, amount, special,
                                   expected):
    evaluated = api.as_("ana").post("/api/decisions/contract_approvers/evaluate", json={
        "inputs": {"amount": amount, "special_discount": special}}).json
    assert evaluated["outputs"]["approvers"] == expected
    if special:  # 8 days at 20 % off: 80,000.00, beyond the 10 % policy
        q = accepted_quote(api, deal, [{"product": consulting, "quantity": 10,
                                        "discount_pct": 20}])
        assert (q["grand_total"], q["special_discount"]) == ("80000.00", True)
        made = contract(api, deal)
    else:
        made = contract(api, deal, amount=str(amount))
    assert (made["amount"], made["special_discount"]) == (f"{amount}.00", special)
    assert re.fullmatch(r"HT\d{4}-\d{5}", made["number"])
    assert approve_all(api, made) == expected
    approved = api.as_("alice").get(f"/api/contracts/{made['id']}").json
    assert approved["status"] == "approved" and approved["approvers"] == expected
    trail = api.as_("alice").get(f"/api/contracts/{made['id']}/approvals").json["steps"]
    assert [(s["role"], s["decision"], s["decided_by"]) for s in trail] == [
        (role, "approve", {"sales_director": "sam", "legal_director": "lena",
                           "finance_director": "fiona"}[role]) for role in expected]


def test_reject_revise_resubmit_approve_and_the_signed_message_wins_the_deal(
        api, app, deal):
    made = contract(api, deal, amount="80000")
    sam_step = only_task(api, made["instance_id"], "sales_director_approval")
    api.advance_clock("PT3H")
    api.as_("sam").complete(sam_step["id"], {"decision": "approve", "comment": "fine"})
    lena_step = only_task(api, made["instance_id"], "legal_director_approval")
    api.as_("lena").complete(lena_step["id"], {"decision": "reject",
                                               "comment": "clause 7 is unlimited liability"})
    rejected = api.as_("alice").get(f"/api/contracts/{made['id']}").json
    assert rejected["status"] == "rejected"
    assert rejected["rejection_reason"] == "clause 7 is unlimited liability"
    revise = only_task(api, made["instance_id"], "revise_contract")
    assert revise["assignee"] == "alice"
    response = api.as_("alice").post(f"/api/tasks/{revise['id']}/complete",
                                     json={"data": {"action": "resubmit"}})
    assert response.status_code == 422 and "revision_note" in response.json["fields"]
    api.as_("alice").complete(revise["id"], {"action": "resubmit",
                                             "new_terms": "Liability capped at the fee.",
                                             "revision_note": "capped liability"})
    assert approve_all(api, made) == ["sales_director", "legal_director"]
    approved = api.as_("alice").get(f"/api/contracts/{made['id']}").json
    assert (approved["status"], approved["round"], approved["terms"]) == (
        "approved", 2, "Liability capped at the fee.")
    trail = api.as_("alice").get(f"/api/contracts/{made['id']}/approvals").json["steps"]
    assert [(s["round"], s["role"], s["decided_by"], s["decision"]) for s in trail] == [
        (1, "sales_director", "sam", "approve"), (1, "legal_director", "lena", "reject"),
        (2, "sales_director", "sam", "approve"), (2, "legal_director", "lena", "approve")]
    # 3 h on the test clock, plus the real seconds the test took (the test clock moves on)
    assert 3 * 3600 <= trail[0]["waited_seconds"] < 3 * 3600 + 60
    assert trail[1]["comment"].startswith("clause")
    assert api.as_("alice").get(f"/api/contracts/{made['id']}").json["document_id"]
    signed_task = only_task(api, made["instance_id"], "customer_signed")
    assert signed_task["assignee"] == "alice"
    response = api.as_("alice").post("/api/messages", json={
        "name": "contract_signed", "correlation": {"contract_number": made["number"]}})
    assert response.status_code == 200, response.json
    signed = api.as_("alice").get(f"/api/contracts/{made['id']}").json
    assert signed["status"] == "signed" and signed["signed_at"] is not None
    won = api.as_("alice").get(f"/api/opportunities/{deal['id']}").json
    assert (won["stage"], won["amount"]) == ("won", "80000.00")
    assert api.as_("admin").instance(made["instance_id"])["status"] == "completed"


def test_the_owner_may_record_the_signature_instead(api, deal):
    made = contract(api, deal, amount="30000")
    approve_all(api, made)
    signed_task = only_task(api, made["instance_id"], "customer_signed")
    api.as_("alice").complete(signed_task["id"], {"signed_on": "2026-11-30"})
    signed = api.as_("alice").get(f"/api/contracts/{made['id']}").json
    assert signed["status"] == "signed" and signed["signed_at"].startswith("2026-11-30")


def test_a_salesperson_cannot_approve_and_an_approver_cannot_take_another_roles_step(
        api, deal):
    made = contract(api, deal, amount="80000")
    step = only_task(api, made["instance_id"], "sales_director_approval")
    for user in ("alice", "lena", "mia"):
        response = api.as_(user).post(f"/api/tasks/{step['id']}/complete",
                                      json={"data": {"decision": "approve"}})
        assert response.status_code == 403, (user, response.json)
        assert api.as_(user).post(f"/api/tasks/{step['id']}/claim").status_code == 403
    assert api.as_("sam").post(f"/api/tasks/{step['id']}/claim").status_code == 200
    assert api.as_("sam").get("/api/tasks?assignee=me").json["total"] == 1


def test_an_approver_delegates_to_another_holder_of_the_role(api, app, deal):
    with app.app_context(), app.extensions["crm_db"].unit_of_work():
        users.create("sunny", "demo", ["sales_director"], display_name="Sunny Li")
    made = contract(api, deal, amount="30000")
    step = only_task(api, made["instance_id"], "sales_director_approval")
    for to, status in (("bob", 422), ("nobody", 422)):
        response = api.as_("sam").post(f"/api/tasks/{step['id']}/delegate", json={"to": to})
        assert response.status_code == status and "to" in response.json["fields"]
    assert api.as_("alice").post(f"/api/tasks/{step['id']}/delegate",
                                 json={"to": "sunny"}).status_code == 403
    response = api.as_("sam").post(f"/api/tasks/{step['id']}/delegate",
                                   json={"to": "sunny", "note": "I am travelling"})
    assert response.status_code == 200, response.json
    assert (response.json["assignee"], response.json["delegated_by"]) == ("sunny", "sam")
    assert api.as_("sam").post(f"/api/tasks/{step['id']}/complete",
                               json={"data": {"decision": "approve"}}).status_code == 409
    api.as_("sunny").complete(step["id"], {"decision": "approve"})
    trail = api.as_("alice").get(f"/api/contracts/{made['id']}/approvals").json["steps"]
    assert [(s["decided_by"], s["delegated_by"], s["delegation_note"]) for s in trail] == [
        ("sunny", "sam", "I am travelling")]


def test_contract_failure_paths(api, deal):
    assert "amount" in contract(api, deal, expect=422)["fields"]
    assert "amount" in contract(api, deal, amount="-5", expect=422)["fields"]
    assert "end_date" in contract(api, deal, amount="100", start_date="2027-01-01",
                                  end_date="2026-01-01", expect=422)["fields"]
    contract(api, deal, user="bob", amount="100", expect=403)
    first = contract(api, deal, amount="100")
    second = contract(api, deal, amount="200", expect=409)
    assert first["number"] in second["message"]
    assert api.as_("carol").get(f"/api/contracts/{first['id']}").status_code == 404
    assert api.as_("sam").get(f"/api/contracts/{first['id']}").status_code == 200
    withdrawn = api.as_("alice").post(f"/api/contracts/{first['id']}/withdraw").json
    assert withdrawn["status"] == "withdrawn"
    assert api.as_("admin").instance(first["instance_id"])["status"] == "cancelled"
    assert api.as_("alice").post(f"/api/contracts/{first['id']}/withdraw").status_code == 409


# -- after-sales -----------------------------------------------------------------------------

def win(api, deal, **contract_fields):
    made = contract(api, deal, amount="30000", **contract_fields)
    approve_all(api, made)
    api.as_("alice").post("/api/messages", json={
        "name": "contract_signed", "correlation": {"contract_number": made["number"]}})
    instances = api.as_("admin").get("/api/process-instances?process_key=after_sales"
                                     f"&business_key=opportunity:{deal['id']}").json["items"]
    assert len(instances) == 1
    return instances[0]["id"]


def survey_link(notices):
    mails = [m for m in notices.outbox("email") if m["template"] == "satisfaction_survey"]
    assert len(mails) == 1, mails
    assert mails[0]["recipient"] == "wang.wei@acme.example"
    return re.search(r"http://\S+/surveys/(\S+)", mails[0]["body"]).group(1)


def survey_due(api, app, instance_id):
    onboarding = only_task(api, instance_id, "onboarding")
    assert onboarding["assignee"] == "alice"
    api.as_("alice").complete(onboarding["id"], {"delivered_on": "2026-12-01"})
    api.advance_clock("P31D")
    api.tick(app)


def test_a_high_score_opens_a_repurchase_opportunity_and_the_link_works_once(
        api, app, client, deal, smtp_server, notices):
    instance_id = win(api, deal)
    survey_due(api, app, instance_id)
    token = survey_link(notices)
    page = client.get(f"/surveys/{token}?lang=zh-CN")
    assert page.status_code == 200 and "您对我们的服务满意吗" in page.text
    answered = client.post(f"/surveys/{token}", json={"score": 5, "comment": "很好"})
    assert answered.status_code == 201, answered.json
    again = client.post(f"/surveys/{token}", json={"score": 1})
    assert again.status_code == 409
    assert client.get(f"/surveys/{token}").status_code == 409
    deals = api.as_("alice").get("/api/opportunities?owner=me").json["items"]
    repurchase = [d for d in deals if d["kind"] == "repurchase"]
    assert len(repurchase) == 1 and repurchase[0]["owner"] == "alice"
    assert api.as_("admin").instance(instance_id)["status"] == "completed"
    story = api.as_("alice").get(f"/api/customers/{deal['customer_id']}/timeline"
                                 "?per_page=200").json["items"]
    kinds = {item["kind"] for item in story}
    assert {"contract.submitted", "contract.signed", "stage.changed", "survey.sent",
            "survey.answered", "task.completed"} <= kinds, kinds
    approvals = [i for i in story if i["kind"] == "task.completed"
                 and i["data"].get("element_id") == "sales_director_approval"]
    assert approvals and approvals[0]["by"] == "sam"


def test_a_low_score_asks_the_manager_to_follow_up(api, app, client, deal,
                                                   smtp_server, notices):
    instance_id = win(api, deal)
    survey_due(api, app, instance_id)
    token = survey_link(notices)
    assert client.post(f"/surveys/{token}", json={"score": 0}).status_code == 422
    assert client.post(f"/surveys/{token}", data={"score": "2"}).status_code == 200
    follow_up = only_task(api, instance_id, "service_follow_up")
    assert follow_up["assignee"] == "mia"


def test_forged_and_expired_links_are_refused(api, app, client, deal, smtp_server,
                                              notices):
    instance_id = win(api, deal)
    survey_due(api, app, instance_id)
    token = survey_link(notices)
    assert client.get(f"/surveys/{token}x").status_code == 404
    assert client.post(f"/surveys/{token[:-2]}", json={"score": 5}).status_code == 404
    api.advance_clock("P31D")
    assert client.post(f"/surveys/{token}", json={"score": 5}).status_code == 410
    api.tick(app)  # the process stops waiting for the answer
    assert api.as_("admin").instance(instance_id)["status"] == "completed"


def test_a_contract_nearing_its_end_opens_a_renewal(api, app, deal):
    today = datetime.now(UTC).date()
    instance_id = win(api, deal, start_date=today.isoformat(),
                      end_date=(today + timedelta(days=365)).isoformat())
    api.advance_clock("P300D")  # 65 days before the end: more than the 60 days' notice
    api.tick(app)
    assert [d["kind"] for d in api.as_("alice").get("/api/opportunities?owner=me").json[
        "items"]].count("renewal") == 0
    api.advance_clock("P10D")  # 55 days before the end
    api.tick(app)
    renewals = [d for d in api.as_("alice").get("/api/opportunities?owner=me").json["items"]
                if d["kind"] == "renewal"]
    assert len(renewals) == 1
    assert api.as_("admin").instance(instance_id)["status"] != "error"


def test_the_signed_scan_completes_the_signature_and_is_served_to_those_who_see_it(
        api, client, deal):
    made = contract(api, deal, amount="30000")
    scan = b"%PDF-1.4\n% a signed contract\n%%EOF\n"

    def upload(content, user="alice", **form):
        return client.post(f"/api/contracts/{made['id']}/signed-scan",
                           headers=api.auth.headers(user), content_type="multipart/form-data",
                           data={"file": (io.BytesIO(content), "signed.pdf"),
                                 **form})

    assert upload(scan).status_code == 409  # still in approval
    approve_all(api, made)
    assert "file" in upload(b"GIF89a not a scan").json["fields"]
    assert "signed_on" in upload(scan, signed_on="tomorrow").json["fields"]
    no_file = client.post(f"/api/contracts/{made['id']}/signed-scan",
                          headers=api.auth.headers("alice"), data={})
    assert no_file.status_code == 422 and "file" in no_file.json["fields"]
    response = upload(scan, note="scanned by reception")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "signed"
    assert api.as_("alice").get(f"/api/opportunities/{deal['id']}").json["stage"] == "won"
    document_id = response.json["signed_document_id"]
    download = client.get(f"/api/documents/{document_id}", headers=api.auth.headers("sam"))
    assert download.status_code == 200 and download.data == scan
    assert download.mimetype == "application/pdf"
    assert client.get(f"/api/documents/{document_id}",
                      headers=api.auth.headers("carol")).status_code == 404
    assert client.get(f"/api/documents/{document_id}?format=docx",
                      headers=api.auth.headers("alice")).status_code == 404
    assert client.get(f"/api/documents/{document_id}?format=exe",
                      headers=api.auth.headers("alice")).status_code == 422
    assert upload(scan).status_code == 409  # signed already
    story = api.as_("alice").get(f"/api/customers/{deal['customer_id']}/timeline").json
    assert [i["ref"]["id"] for i in story["items"] if i["kind"] == "document.signed_contract"
            ] == [document_id]
