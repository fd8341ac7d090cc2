"""The quote and contract documents the processes render: opened with python-docx (and,
with LibreOffice, as PDFs read by pdftotext), checked for what a customer would read."""

import pytest
from document_reading import docx_text, download, pdf_text


def quote(api, deal, lines, expect=201):
    response = api.as_("alice").post(f"/api/opportunities/{deal['id']}/quotes",
                                     json={"lines": lines})
    assert response.status_code == expect, response.json
    return response.json


def document_of(api, record_type, record_id, user="alice"):
    response = api.as_(user).get(f"/api/documents?record_type={record_type}"
                                 f"&record_id={record_id}")
    assert response.status_code == 200, response.json
    assert len(response.json) == 1, response.json
    return response.json[0]


def open_task(api, instance_id, element_id):
    tasks = [t for t in api.as_("admin").instance(instance_id)["active_tasks"]
             if t["element_id"] == element_id]
    assert len(tasks) == 1
    return tasks[0]


LINES = [{"product": "CRM-PRO", "quantity": 20, "discount_pct": 10},
         {"product": "IMPL-DAY", "quantity": "2.5"}]
# CRM-PRO: 20 x 2,400.00 = 48,000.00, 10 % off 4,800.00, net 43,200.00, VAT 13 % 5,616.00,
#          total 48,816.00
# IMPL-DAY: 2.5 x 3,000.00 = 7,500.00, VAT 6 % 450.00, total 7,950.00
# grand total 56,766.00


def test_the_quote_document_has_the_customer_every_line_and_the_totals(api, client, deal):
    q = quote(api, deal, LINES)
    document = document_of(api, "quote", q["id"])
    assert q["document_id"] == document["id"] and q["status"] == "sent"
    assert (document["template_key"], document["template_version"]) == ("quote", 1)
    text = docx_text(download(client, api, document["id"], "docx").data)
    for expected in ("上海精工机械有限公司", "王伟", "wang.wei@jinggong.example",
                     "CRM 专业版许可 CRM Professional licence", "CRM-PRO",
                     "实施服务（人天） Implementation, per person-day", "IMPL-DAY",
                     "¥48,816.00", "¥7,950.00", "¥55,500.00", "¥4,800.00", "¥50,700.00",
                     "¥6,066.00", "¥56,766.00", "20 user-year", "2.5 person-day", "10%", "13%",
                     "兰亭软件有限公司", "报价单", "QUOTATION", f"Q{q['created_at'][:4]}-"):
        assert expected in text, expected
    assert "{{" not in text and "{%" not in text


def test_dates_follow_the_document_language(api, app, client, deal):
    q = quote(api, deal, LINES)
    zh = docx_text(download(client, api, q["document_id"], "docx").data)
    app.config["DOCUMENT_LANGUAGE"] = "en"
    second = quote(api, deal, LINES)
    en = docx_text(download(client, api, second["document_id"], "docx").data)
    created = second["created_at"][:10]
    year, month, day = (int(x) for x in created.split("-"))
    assert f"{year}年{month}月{day}日" in zh
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    assert f"{day} {months[month - 1]} {year}" in en


def test_the_contract_document_names_the_approvers(api, client, deal):
    made = api.as_("alice").post(f"/api/opportunities/{deal['id']}/contracts", json={
        "amount": "80000", "terms": "Delivery within 30 days. 三十天内交付。",
        "start_date": "2027-01-01", "end_date": "2027-12-31"}).json
    for element, who in (("sales_director_approval", "sam"),
                         ("legal_director_approval", "lena")):
        api.as_(who).complete(open_task(api, made["instance_id"], element)["id"],
                              {"decision": "approve"})
    contract = api.as_("alice").get(f"/api/contracts/{made['id']}").json
    assert contract["status"] == "approved" and contract["document_id"]
    text = docx_text(download(client, api, contract["document_id"], "docx").data)
    for expected in (made["number"], "上海精工机械有限公司", "¥80,000.00", "Sam Zhang",
                     "Lena Chen", "销售总监 Sales director", "法务总监 Legal director",
                     "批准 Approved", "Delivery within 30 days. 三十天内交付。", "2027年1月1日",
                     "销售合同"):
        assert expected in text, expected
    assert open_task(api, made["instance_id"], "customer_signed")["assignee"] == "alice"


def test_documents_are_for_those_who_see_the_record(api, client, deal):
    q = quote(api, deal, LINES)
    assert download(client, api, q["document_id"], "docx", user="carol").status_code == 404
    assert download(client, api, q["document_id"], "docx", user="mia").status_code == 200
    assert download(client, api, 99999, "docx").status_code == 404
    assert download(client, api, q["document_id"], "exe").status_code == 422
    assert client.get(f"/api/documents/{q['document_id']}").status_code == 401
    response = api.as_("carol").get(f"/api/documents?record_type=quote&record_id={q['id']}")
    assert response.status_code in (403, 404)
    assert api.as_("alice").get("/api/documents?record_type=lead&record_id=1"
                                ).status_code == 422


def test_without_pdfs_the_docx_is_there_and_the_pdf_says_why(api, client, deal):
    q = quote(api, deal, LINES)  # the tests' default: CRM_PDF off
    info = api.as_("alice").get(f"/api/documents/{q['document_id']}/info").json
    assert info["pdf_status"] == "none" and [f["format"] for f in info["files"]] == ["docx"]
    refused = download(client, api, q["document_id"], "pdf")
    assert refused.status_code == 409 and "CRM_PDF" in refused.json["message"]


# -- PDFs (LibreOffice) ----------------------------------------------------------------------

@pytest.mark.parametrize("language, date_text", [("zh-CN", "年"), ("en", " 20")])
def test_the_pdf_holds_the_customer_and_the_grand_total(api, app, client, deal, pdfs,
                                                        language, date_text):
    app.config["DOCUMENT_LANGUAGE"] = language
    q = quote(api, deal, LINES)
    pending = download(client, api, q["document_id"], "pdf")
    assert pending.status_code == 409 and pending.json["pdf_status"] == "pending"
    assert download(client, api, q["document_id"], "docx").status_code == 200
    api.tick(app)  # the scheduler converts after the commit
    response = download(client, api, q["document_id"], "pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "上海精工机械有限公司" in text and "¥56,766.00" in text and "QUOTATION" in text
    assert date_text in text


def test_a_failing_conversion_leaves_the_docx_and_can_be_retried(api, app, client, deal,
                                                                  pdfs, tmp_path, monkeypatch):
    broken = tmp_path / "soffice-broken"
    broken.write_text("#!/bin/sh\necho 'cannot open display' >&2\nexit 81\n")
    broken.chmod(0o755)
    monkeypatch.setenv("CRM_SOFFICE", str(broken))
    q = quote(api, deal, LINES)
    assert open_task(api, q["instance_id"], "customer_decision")  # the process went on
    for _ in range(app.config["PDF_MAX_ATTEMPTS"]):
        api.tick(app)
        api.advance_clock("PT5M")  # past the retry's back-off
    info = api.as_("alice").get(f"/api/documents/{q['document_id']}/info").json
    assert info["pdf_status"] == "failed" and info["pdf_attempts"] == 3
    assert "exit 81" in info["pdf_error"] and "cannot open display" in info["pdf_error"]
    assert download(client, api, q["document_id"], "docx").status_code == 200
    refused = download(client, api, q["document_id"], "pdf")
    assert refused.status_code == 409 and "failed" in refused.json["message"]
    monkeypatch.delenv("CRM_SOFFICE")
    retried = api.as_("alice").post(f"/api/documents/{q['document_id']}/pdf")
    assert retried.status_code == 200 and retried.json["pdf_status"] == "pending"
    assert api.as_("alice").post(f"/api/documents/{q['document_id']}/pdf").status_code == 409
    api.tick(app)
    assert download(client, api, q["document_id"], "pdf").status_code == 200


def test_a_conversion_that_hangs_is_stopped_at_the_time_limit(api, app, deal, pdfs, tmp_path,
                                                             monkeypatch):
    stuck = tmp_path / "soffice-stuck"
    stuck.write_text("#!/bin/sh\nsleep 60\n")
    stuck.chmod(0o755)
    monkeypatch.setenv("CRM_SOFFICE", str(stuck))
    app.config["PDF_TIMEOUT_SECONDS"] = 1
    q = quote(api, deal, LINES)
    api.tick(app)
    info = api.as_("alice").get(f"/api/documents/{q['document_id']}/info").json
    assert info["pdf_status"] == "pending" and info["pdf_attempts"] == 1
    assert "longer than 1 s" in info["pdf_error"]
