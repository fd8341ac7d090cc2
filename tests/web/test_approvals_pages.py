"""The approval pages: a director's queue, the contract to judge with its trail, the decision
(approve, reject with a reason), delegation, and who may not decide."""

from page_text import text_of

from app.services import users


def submit_contract(api, deal, amount="80000", **body):
    response = api.as_("alice").post(f"/api/opportunities/{deal['id']}/contracts",
                                     json={"amount": amount, **body})
    assert response.status_code == 201, response.json
    return response.json


def step_of(api, contract, element):
    tasks = api.as_("admin").instance(contract["instance_id"])["active_tasks"]
    return next(t for t in tasks if t["element_id"] == element)


def test_the_director_sees_the_contract_waiting_and_approves_it(api, pages, acme_deal):
    contract = submit_contract(api, acme_deal, terms="Net 30, liability capped")
    step = step_of(api, contract, "sales_director_approval")
    api.advance_clock("PT5H")
    sam = pages.as_("sam")
    queue = text_of(sam.get("/approvals"))
    assert contract["number"] in queue and "ACME Robotics" in queue
    assert "¥80,000.00" in queue and "5 h" in queue
    assert f"/approvals/{step['id']}" in queue
    assert "Nothing waits" in text_of(pages.as_("lena").get("/approvals"))

    detail = sam.get(f"/approvals/{step['id']}")
    page = text_of(detail)
    assert detail.status_code == 200
    for seen in ("ACME CRM roll-out", "Net 30, liability capped", 'data-testid="approval-trail"',
                 'data-testid="approve"', 'data-testid="reject"', "Comment (required when"):
        assert seen in page, seen
    done = sam.post(f"/approvals/{step['id']}", {"decision": "approve", "comment": "fine"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/approvals")
    assert "Approved" in text_of(sam.get("/approvals"))

    lena_step = step_of(api, contract, "legal_director_approval")
    lena_page = text_of(pages.as_("lena").get(f"/approvals/{lena_step['id']}"))
    trail = lena_page[lena_page.index('data-testid="approval-trail"'):]
    assert "Sales director" in trail and "fine" in trail  # the trail so far
    first_step = trail[:trail.index("</li>")]
    assert 'class="pill approved"' in first_step and "sam" in first_step


def test_a_rejection_needs_a_reason_in_both_languages(api, pages, acme_deal):
    contract = submit_contract(api, acme_deal, amount="30000")
    step = step_of(api, contract, "sales_director_approval")
    sam = pages.as_("sam")
    response = sam.post(f"/approvals/{step['id']}", {"decision": "reject", "comment": " "})
    assert response.status_code == 422
    assert "say why" in text_of(response) and 'data-field="comment"' in text_of(response)
    sam.post("/language", {"language": "zh-CN"})
    page = text_of(sam.get(f"/approvals/{step['id']}"))
    assert "驳回" in page and "批准" in page and "审批记录" in page
    response = sam.post(f"/approvals/{step['id']}", {"decision": "reject",
                                                     "comment": "price too low"})
    assert response.status_code == 302
    assert "已驳回" in text_of(sam.get("/approvals"))
    trail = api.as_("alice").get(f"/api/contracts/{contract['id']}/approvals").json
    assert trail["steps"][0]["decision"] == "reject"
    assert trail["rejection_reason"] == "price too low"


def test_an_approver_passes_it_on_to_another_holder_of_the_role(api, app, pages, acme_deal):
    with app.app_context(), app.extensions["crm_db"].unit_of_work():
        users.create("sunny", "demo", ["sales_director"], display_name="Sunny Li")
    contract = submit_contract(api, acme_deal, amount="30000")
    step = step_of(api, contract, "sales_director_approval")
    sam = pages.as_("sam")
    assert "Sunny Li" in text_of(sam.get(f"/approvals/{step['id']}"))
    missing = sam.post(f"/approvals/{step['id']}/delegate", {"to": ""})
    assert missing.status_code == 422 and "Choose whom" in text_of(missing)
    wrong = sam.post(f"/approvals/{step['id']}/delegate", {"to": "bob"})
    assert wrong.status_code == 422 and "must hold the role" in text_of(wrong)
    done = sam.post(f"/approvals/{step['id']}/delegate", {"to": "sunny", "note": "travelling"})
    assert done.status_code == 302
    assert "Nothing waits" in text_of(sam.get("/approvals"))
    sunny = pages.as_("sunny")
    assert "passed on by sam" in text_of(sunny.get("/approvals"))
    assert "travelling" in text_of(sunny.get(f"/approvals/{step['id']}"))
    assert sam.get(f"/approvals/{step['id']}").status_code == 409


def test_who_may_not_open_or_decide_an_approval(api, pages, acme_deal):
    contract = submit_contract(api, acme_deal)
    step = step_of(api, contract, "sales_director_approval")
    assert pages.as_("alice").get("/approvals").status_code == 403
    assert pages.as_("bob").post(f"/approvals/{step['id']}",
                                 {"decision": "approve"}).status_code == 403
    lena = pages.as_("lena")
    refused = lena.get(f"/approvals/{step['id']}")
    assert refused.status_code == 403 and "not yours" in text_of(refused)
    assert lena.post(f"/approvals/{step['id']}", {"decision": "approve"}).status_code == 403
    mia = pages.as_("mia")  # a manager sees every task, yet may not decide a director's step
    assert mia.post(f"/approvals/{step['id']}", {"decision": "approve"}).status_code == 403
    assert pages.as_("sam").get("/approvals/no-such-task").status_code == 404
    no_csrf = pages.as_("sam").post(f"/approvals/{step['id']}", {"decision": "approve"},
                                    csrf=False)
    assert no_csrf.status_code == 400
    assert api.as_("admin").get(f"/api/contracts/{contract['id']}").json["status"] == (
        "in_approval")


def test_a_task_that_is_no_approval_is_sent_back_to_the_inbox(api, pages, acme_deal):
    contract = submit_contract(api, acme_deal, amount="30000")
    step = step_of(api, contract, "sales_director_approval")
    api.as_("sam").complete(step["id"], {"decision": "reject", "comment": "no"})
    revise = step_of(api, contract, "revise_contract")
    response = pages.as_("mia").get(f"/approvals/{revise['id']}")
    assert response.status_code == 404 and "not an approval" in text_of(response)
    decided = pages.as_("sam").get(f"/approvals/{step['id']}")
    assert decided.status_code == 200 and "Decided by sam" in text_of(decided)
    assert 'data-testid="approve"' not in text_of(decided)


def test_the_queue_pages_through_many_approvals_oldest_first(api, pages, acme_deal,
                                                             monkeypatch):
    from app.web.pages import approvals

    monkeypatch.setattr(approvals, "PER_PAGE", 2)
    numbers = [submit_contract(api, acme_deal, amount="30000")["number"]]
    for n in range(2):
        deal = api.as_("alice").post("/api/opportunities", json={
            "customer_id": acme_deal["customer_id"], "name": f"Deal {n}"}).json
        api.advance_clock("PT1M")
        numbers.append(submit_contract(api, deal, amount="30000")["number"])
    sam = pages.as_("sam")
    first, second = text_of(sam.get("/approvals")), text_of(sam.get("/approvals?page=2"))
    assert numbers[0] in first and numbers[1] in first and numbers[2] not in first
    assert numbers[2] in second and numbers[0] not in second
    assert 'rel="next" href="/approvals?page=2"' in first and "Page 2 of 2" in second
    beyond = sam.get("/approvals?page=9")
    assert beyond.status_code == 200 and "Nothing here yet." in text_of(beyond)
    assert not any(number in text_of(beyond) for number in numbers)


def test_the_queue_names_each_step_by_its_form_and_role_in_chinese(api, pages, acme_deal):
    submit_contract(api, acme_deal)
    sam = pages.as_("sam")
    sam.post("/language", {"language": "zh-CN", "next": "/approvals"})
    queue = text_of(sam.get("/approvals"))
    assert "审批合同" in queue and "销售总监" in queue and "Sales director approval" not in queue
    step = text_of(sam.get(queue[queue.index('href="/approvals/') + 6:].split('"')[0]))
    assert 'data-testid="step-name">销售总监</p>' in step
