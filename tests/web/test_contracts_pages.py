"""The new-contract page: from the deal's accepted quote, else an amount; the API's rules."""

from __future__ import annotations

import pytest
from page_text import field_block, text_of


@pytest.fixture
def deal(acme_deal):
    """alice's deal with ACME, without a quote."""
    return acme_deal


def test_without_an_accepted_quote_the_page_asks_for_the_amount(pages, deal):
    page = pages.as_("alice").get(f"/opportunities/{deal['id']}/contracts/new")
    assert page.status_code == 200
    assert "enter the contract&#39;s amount" in text_of(page)


def test_a_contract_is_submitted_for_approval(pages, api, deal):
    response = pages.as_("alice").post(f"/opportunities/{deal['id']}/contracts/new", {
        "amount": "30000", "start_date": "2027-01-01", "end_date": "2027-12-31",
        "terms": "Annual licence"})
    assert response.status_code == 302
    assert response.location == f"/opportunities/{deal['id']}"
    contracts = api.as_("alice").get(f"/api/opportunities/{deal['id']}/contracts").json
    assert [(c["amount"], c["status"], c["approvers"]) for c in contracts] == [
        ("30000.00", "in_approval", ["sales_director"])]
    # one contract at a time: the deal page no longer offers another
    deal_page = text_of(pages.as_("alice").get(f"/opportunities/{deal['id']}"))
    assert 'data-testid="new-contract"' not in deal_page and 'data-testid="new-quote"' in deal_page


@pytest.mark.parametrize("form, field, message", [
    ({"start_date": "2027-01-01"}, "amount", "required when there is no accepted quote"),
    ({"amount": "30000", "start_date": "2027-13-01"}, "start_date", "Not a valid date."),
    ({"amount": "30000", "start_date": "2027-02-01", "end_date": "2027-01-01"}, "end_date",
     "before start_date"),
])
def test_bad_input_is_shown_next_to_its_field_and_kept(pages, deal, form, field, message):
    response = pages.as_("alice").post(f"/opportunities/{deal['id']}/contracts/new", form)
    assert response.status_code == 422
    html = text_of(response)
    assert message in field_block(html, field)
    if field == "amount":  # the service's own sentence heads the form
        assert "a contract without an accepted quote needs its amount" in html
    for value in form.values():
        assert f'value="{value}"' in html


def test_only_the_deals_writers_draw_up_its_contract(pages, deal):
    assert pages.as_("bob").post(f"/opportunities/{deal['id']}/contracts/new",
                                 {"amount": "1000"}).status_code == 403
    refused = pages.as_("lena").get(f"/opportunities/{deal['id']}/contracts/new")
    assert refused.status_code == 403 and "sales, manager" in text_of(refused)
    assert pages.as_("alice").get("/opportunities/999/contracts/new").status_code == 404


def test_the_page_is_in_chinese_too(pages, deal):
    alice = pages.as_("alice")
    alice.post("/language", {"language": "zh-CN"})
    assert "新建合同" in text_of(alice.get(f"/opportunities/{deal['id']}/contracts/new"))
    refused = alice.post(f"/opportunities/{deal['id']}/contracts/new",
                         {"start_date": "2027-01-01"})
    assert "没有已接受的报价时必填。" in text_of(refused)
