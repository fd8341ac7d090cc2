"""Document templates managed like process files: listed, uploaded by analysts as new
versions (checked against the data model), previewed, and pinned by the documents made."""

import io
from pathlib import Path

from document_reading import docx_text, download, pdf_text
from docx import Document as WordDocument

SHIPPED = Path(__file__).resolve().parents[2] / "templates"


def edited(kind: str, *paragraphs: str) -> bytes:
    """The shipped template with paragraphs added at the end (an analyst's edit)."""
    document = WordDocument(SHIPPED / f"{kind}.docx")
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def upload(client, api, content: bytes, user="ana", **form):
    return client.post("/api/templates", headers=api.auth.headers(user),
                       content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content), "quote.docx"), **form})


def test_the_shipped_templates_and_their_data_models_are_listed(api, shipped):
    listing = api.as_("alice").get("/api/templates").json
    assert [(t["key"], t["kind"], t["version"]) for t in listing["items"]] == [
        ("contract", "contract", 1), ("quote", "quote", 1)]
    quote = next(t for t in listing["items"] if t["key"] == "quote")
    assert "customer.name" in quote["placeholders"] and "lines[].total" in quote["placeholders"]
    assert "approvals[].name" in listing["data_models"]["contract"]
    assert "approvals[].name" not in listing["data_models"]["quote"]


def test_an_unknown_placeholder_is_refused_naming_it(api, client, shipped):
    response = upload(client, api, edited("quote", "{{ customer.nmae }} {{ quote.vat_no }}",
                                          "{% for line in lines %}{{ line.colour }}"
                                          "{% endfor %}"), key="quote")
    assert response.status_code == 400, response.json
    assert response.json["unknown_placeholders"] == ["customer.nmae", "lines[].colour",
                                                     "quote.vat_no"]
    assert "customer.nmae" in response.json["message"]
    assert api.as_("ana").get("/api/templates/quote").json[-1]["version"] == 1


def test_broken_files_are_refused(api, client, shipped):
    not_docx = upload(client, api, b"%PDF-1.4 not a template", key="quote")
    assert not_docx.status_code == 400 and "not a .docx" in not_docx.json["message"]
    bad_jinja = upload(client, api, edited("quote", "{{ customer.name "), key="quote")
    assert bad_jinja.status_code == 400 and "do not parse" in bad_jinja.json["message"]
    empty = upload(client, api, b"", key="quote")
    assert empty.status_code == 422 and "file" in empty.json["fields"]
    no_file = client.post("/api/templates", headers=api.auth.headers("ana"), data={})
    assert no_file.status_code == 422 and "file" in no_file.json["fields"]
    bad_key = upload(client, api, edited("quote"), key="Quote!")
    assert bad_key.status_code == 422 and "key" in bad_key.json["fields"]
    wrong_kind = upload(client, api, edited("quote"), key="quote", kind="contract")
    assert wrong_kind.status_code == 422 and "kind" in wrong_kind.json["fields"]
    assert upload(client, api, edited("quote"), user="alice", key="quote").status_code == 403


def test_a_new_version_is_used_by_new_documents_and_old_ones_keep_theirs(api, client, deal):
    first = api.as_("alice").post(f"/api/opportunities/{deal['id']}/quotes", json={
        "lines": [{"product": "CRM-STD", "quantity": 3}]}).json
    same = upload(client, api, (SHIPPED / "quote.docx").read_bytes(), key="quote")
    assert same.status_code == 200 and same.json["version"] == 1
    response = upload(client, api, edited("quote", "有效期内价格不变 {{ quote.valid_until }}"),
                      key="quote")
    assert response.status_code == 201 and response.json["version"] == 2
    second = api.as_("alice").post(f"/api/opportunities/{deal['id']}/quotes", json={
        "lines": [{"product": "CRM-STD", "quantity": 4}]}).json
    infos = [api.as_("alice").get(f"/api/documents/{q['document_id']}/info").json
             for q in (first, second)]
    assert [i["template_version"] for i in infos] == [1, 2]
    assert "有效期内价格不变" not in docx_text(download(client, api, first["document_id"],
                                                   "docx").data)
    assert "有效期内价格不变" in docx_text(download(client, api, second["document_id"],
                                               "docx").data)
    old = client.get("/api/templates/quote/file?version=1", headers=api.auth.headers("ana"))
    assert old.status_code == 200 and old.data == (SHIPPED / "quote.docx").read_bytes()
    assert client.get("/api/templates/quote/file?version=9",
                      headers=api.auth.headers("ana")).status_code == 404


def test_a_new_template_key_of_a_kind(api, client, shipped):
    response = upload(client, api, edited("quote", "English edition"), key="quote_en",
                      kind="quote")
    assert response.status_code == 201 and response.json["kind"] == "quote"
    assert upload(client, api, edited("quote"), key="quote_fr").status_code == 422  # no kind


def test_the_preview_fills_sample_data(api, client, shipped):
    response = client.post("/api/templates/contract/preview?language=en",
                           headers=api.auth.headers("ana"))
    assert response.status_code == 200
    text = docx_text(response.data)
    assert "Sam Zhang" in text and "上海精工机械有限公司" in text and "26 Nov 2026" in text
    assert client.post("/api/templates/nope/preview",
                       headers=api.auth.headers("ana")).status_code == 404
    assert client.post("/api/templates/quote/preview?format=odt",
                       headers=api.auth.headers("ana")).status_code == 422
    assert client.post("/api/templates/quote/preview?language=fr",
                       headers=api.auth.headers("ana")).status_code == 422


def test_the_pdf_preview(api, client, shipped, libreoffice):
    response = client.post("/api/templates/quote/preview?format=pdf",
                           headers=api.auth.headers("ana"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "2026年11月26日" in text.replace(" ", "") and "¥64,716.00" in text
