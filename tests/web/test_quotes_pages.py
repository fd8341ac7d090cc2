"""The quote builder page and the quotes on the deal page: what the builder offers, the
server's figures its script shows (the article's 80,000 quote with a special discount), the
generated quote with its documents."""

import pytest
from page_text import text_of

from app.documents import pdf
from app.services import documents


@pytest.fixture
def deal(acme_deal, consulting) -> int:
    """alice's opportunity with a standard-tier customer, the demo catalogue and the
    consulting day."""
    return acme_deal["id"]


STORY = [{"product": "CONSULT", "quantity": "10", "discount_pct": "20"}]  # 80,000.00


def test_the_builder_offers_the_active_products_and_the_quotes_fields(pages, api, deal):
    api.as_("admin").post("/api/products", json={
        "code": "OLD", "name_en": "Retired thing", "name_zh": "旧产品", "unit": "unit",
        "product_line": "software", "list_price": "1.00", "tax_rate": "13", "active": False})
    html = text_of(pages.as_("alice").get(f"/opportunities/{deal}/quotes/new"))
    assert "CONSULT · Consulting day (day)" in html and "CRM-STD · CRM Standard licence" in html
    assert "Retired thing" not in html
    for testid in ("add-line", "generate-quote", "quote-total", "policy-warning"):
        assert f'data-testid="{testid}"' in html
    assert f'data-preview-url="/api/opportunities/{deal}/quotes/preview"' in html
    assert 'name="discount_pct"' in html and 'name="valid_until"' in html
    assert 'name="notes"' in html and 'step="any"' in html  # 2.5 days, 12.5 %


def test_the_live_totals_of_the_articles_special_discount(pages, deal):
    """What the builder's script asks on every change: 10 consulting days at 20 % off make
    80,000.00, beyond the 10 % the policy allows a standard customer for services."""
    page = pages.as_("alice")
    figures = page.call("POST", f"/api/opportunities/{deal}/quotes/preview",
                        json={"lines": STORY})
    assert figures.status_code == 200, figures.json
    assert (figures.json["grand_total"], figures.json["special_discount"]) == ("80000.00", True)
    line = figures.json["lines"][0]
    assert (line["max_discount_pct"], line["beyond_policy"]) == ("10.00", True)
    within = page.call("POST", f"/api/opportunities/{deal}/quotes/preview",
                       json={"lines": [{**STORY[0], "discount_pct": "10"}]}).json
    assert (within["grand_total"], within["special_discount"]) == ("90000.00", False)
    bad = page.call("POST", f"/api/opportunities/{deal}/quotes/preview",
                    json={"lines": [{"product": "CONSULT", "quantity": "0"}]})
    assert bad.status_code == 422 and "lines.0.quantity" in bad.json["fields"]


def test_a_special_discount_quote_waits_for_approval_on_the_deal_page(pages, deal):
    page = pages.as_("alice")
    made = page.call("POST", f"/api/opportunities/{deal}/quotes", json={
        "lines": STORY, "valid_until": "2099-12-31", "notes": "as agreed"})
    assert made.status_code == 201, made.json
    assert (made.json["status"], made.json["special_discount"]) == ("pending_approval", True)
    html = text_of(page.get(f"/opportunities/{deal}?new_quote={made.json['id']}"))
    assert 'data-testid="quote-created"' in html and f"-{deal:05d}-v1 generated" in html
    row = html[html.index('data-testid="quote-row"'):]
    assert "Awaiting discount approval" in row and "¥80,000.00" in row
    assert "The document follows the discount approval." in row


def test_a_quote_within_policy_has_its_docx_and_then_its_pdf(pages, app, deal, monkeypatch):
    app.config["PDF_ENABLED"] = True
    monkeypatch.setattr(pdf, "available", lambda: True)
    page = pages.as_("alice")
    made = page.call("POST", f"/api/opportunities/{deal}/quotes", json={
        "lines": [{"product": "CRM-STD", "quantity": "10", "discount_pct": "10"}]})
    assert made.status_code == 201, made.json
    document_id = made.json["document_id"]
    html = text_of(page.get(f"/opportunities/{deal}"))
    assert f'href="/api/documents/{document_id}?format=docx"' in html
    assert "PDF being prepared" in html and 'hx-trigger="every 5s"' in html
    assert "Sent" in html and "¥12,204.00" in html
    docx = page.get(f"/api/documents/{document_id}?format=docx")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    with app.app_context(), app.extensions["crm_db"].unit_of_work():  # the scheduler's part
        assert documents.claim_pdf("test") == document_id
        assert documents.store_pdf(document_id, "test", b"%PDF-1.7 made by the test")
    html = text_of(page.get(f"/opportunities/{deal}"))
    assert f'href="/api/documents/{document_id}?format=pdf"' in html
    assert "PDF being prepared" not in html and 'hx-trigger="every 5s"' not in html
    assert page.get(f"/api/documents/{document_id}?format=pdf").data.startswith(b"%PDF")


def test_generating_refuses_bad_lines_naming_them(pages, deal):
    page = pages.as_("alice")
    response = page.call("POST", f"/api/opportunities/{deal}/quotes", json={
        "lines": [{"product": "CONSULT", "quantity": "1"},
                  {"product": "CONSULT", "quantity": "1.2345"}]})
    assert response.status_code == 422 and "lines.1.quantity" in response.json["fields"]
    forged = page.call("POST", f"/api/opportunities/{deal}/quotes", json={"lines": STORY},
                       csrf=False)
    assert forged.status_code == 400


def test_who_may_build_a_quote(pages, deal):
    assert pages.as_("bob").get(f"/opportunities/{deal}/quotes/new").status_code == 403
    assert pages.as_("sam").get(f"/opportunities/{deal}/quotes/new").status_code == 403
    assert pages.as_("lena").get(f"/opportunities/{deal}/quotes/new").status_code == 403
    assert pages.as_("alice").get("/opportunities/99999/quotes/new").status_code == 404
    assert pages.as_("mia").get(f"/opportunities/{deal}/quotes/new").status_code == 200


def test_the_builder_in_chinese(pages, deal):
    page = pages.as_("alice")
    page.post("/language", {"language": "zh-CN", "next": "/pipeline"})
    html = text_of(page.get(f"/opportunities/{deal}/quotes/new"))
    assert "新建报价" in html and "咨询（天）" in html and "生成报价" in html
    assert "特殊折扣：超出折扣政策" in html
