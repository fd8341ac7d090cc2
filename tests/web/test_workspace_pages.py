"""The analyst workspace: what is deployed, the editors' pages, the form preview drawn by the
server, template uploads, and the API calls the editors' script makes with the page session."""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

import pytest
from docx import Document as WordDocument
from page_text import text_of

ROOT = Path(__file__).resolve().parents[2]
ZH = {"Accept": "text/html", "Accept-Language": "zh-CN"}
TEXTAREA = re.compile(r'<textarea id="definition"[^>]*>(.*?)</textarea>', re.S)



@pytest.fixture
def ana(pages, shipped):
    return pages.as_("ana")


def multipart(files: dict[str, bytes]) -> dict:
    return {"data": {"files": [(io.BytesIO(c), n) for n, c in files.items()]},
            "content_type": "multipart/form-data"}


def broken_lead_routing() -> bytes:
    """The shipped lead routing, its business rule task naming a table nobody deployed."""
    content = (ROOT / "bpmn" / "lead_routing.bpmn").read_bytes()
    assert b'decisionRef="lead_assignment"' in content
    return content.replace(b'decisionRef="lead_assignment"', b'decisionRef="no_such_table"')


# -- the overview ---------------------------------------------------------------------------

def test_the_workspace_lists_what_is_deployed_with_links_to_the_editors(ana):
    response = ana.get("/workspace")

    page = text_of(response)
    assert response.status_code == 200
    assert "Workspace" in page and "Decision tables" in page
    assert 'href="/workspace/processes/lead_routing"' in page
    assert 'href="/workspace/decisions/lead_assignment"' in page
    assert 'href="/workspace/forms/first_call"' in page
    assert "lead_routing.bpmn" in page and "lead_assignment.dmn" in page
    assert "quote" in page and "contract" in page and 'href="/workspace/templates"' in page
    assert "v1" in page and "start-up" in page  # deployed by the start-up, not a person


def test_the_workspace_speaks_chinese(ana):
    page = text_of(ana.get("/workspace", headers=ZH))

    assert "流程工作台" in page and "决策表" in page and "文档模板" in page


def test_a_new_version_shows_who_deployed_it(ana):
    changed = (ROOT / "dmn" / "lead_assignment.dmn").read_bytes().replace(
        b'<text>"pool"</text></outputEntry>\n        <outputEntry id="r4_strategy">',
        b'<text>"dispatch"</text></outputEntry>\n        <outputEntry id="r4_strategy">')
    deployed = ana.call("POST", "/api/deployments", **multipart({"lead_assignment.dmn": changed}))
    assert deployed.status_code == 201, deployed.json

    versions = text_of(ana.get("/workspace/decisions/lead_assignment/versions"))

    assert "v2" in versions and "v1" in versions and "ana" in versions


def test_the_menu_offers_the_workspace_to_analysts_only(pages, shipped):
    assert 'href="/workspace"' in text_of(pages.as_("ana").get("/workspace"))
    assert 'href="/workspace"' in text_of(pages.as_("admin").get("/workspace"))
    refused = text_of(pages.as_("alice").get("/workspace"))  # a page in the frame, for alice
    assert 'class="mainnav"' in refused and 'href="/workspace"' not in refused


def test_a_salesperson_is_refused_the_workspace(pages, shipped):
    response = pages.as_("alice").get("/workspace")

    assert response.status_code == 403
    assert "Not allowed" in text_of(response) and "analyst" in text_of(response)


def test_signing_in_comes_first(pages):
    response = pages.anonymous().get("/workspace/decisions/lead_assignment")

    assert response.status_code == 302 and "/login" in response.headers["Location"]


# -- the modeler pages ----------------------------------------------------------------------

def test_the_process_editor_loads_the_modeler_with_the_latest_xml(ana):
    page = text_of(ana.get("/workspace/processes/lead_routing"))

    assert "bpmn-modeler.production.min.js" in page and "bpmn-js/dist/assets/bpmn-js.css" in page
    assert 'data-source-url="/api/process-definitions/lead_routing/xml"' in page
    assert 'data-file="lead_routing.bpmn"' in page
    assert ">Validate<" in page and ">Deploy<" in page


def test_the_decision_editor_offers_a_tester_with_the_tables_inputs(ana):
    page = text_of(ana.get("/workspace/decisions/lead_assignment"))

    assert "dmn-modeler.production.min.js" in page
    assert 'data-source-url="/api/decisions/lead_assignment/xml"' in page
    assert 'data-file="lead_assignment.dmn"' in page
    for name in ("region", "industry", "product_interest", "company_size", "source"):
        assert f'name="{name}"' in page
    assert "Company size (employees)" in page
    assert 'id="in_company_size" name="company_size" data-type="number"' in page
    assert "/api/decisions/lead_assignment/evaluate" in page


def test_the_decision_editor_in_chinese(ana):
    page = text_of(ana.get("/workspace/decisions/lead_assignment", headers=ZH))

    assert "试算决策" in page and "校验" in page and "发布" in page


@pytest.mark.parametrize("url, message", [
    ("/workspace/processes/nothing", "no process with key &#39;nothing&#39; is deployed"),
    ("/workspace/decisions/nothing", "no decision with id &#39;nothing&#39; is deployed"),
    ("/workspace/forms/nothing", "no form with key &#39;nothing&#39; is deployed"),
])
def test_an_unknown_definition_is_a_404_page_saying_so(ana, url, message):
    response = ana.get(url)

    assert response.status_code == 404
    assert "Not found" in text_of(response) and message in text_of(response)


# -- the editors' API calls, signed in by the page session ------------------------------------

def test_deploying_a_broken_process_lists_its_problems_with_element_ids(ana):
    response = ana.call("POST", "/api/deployments",
                        **multipart({"lead_routing.bpmn": broken_lead_routing()}))

    assert response.status_code == 400
    [problem] = response.json["problems"]
    assert problem["file"] == "lead_routing.bpmn" and problem["element_id"]
    assert "no_such_table" in problem["reason"] and problem["line"]
    assert "v2" not in text_of(ana.get("/workspace/processes/lead_routing/versions"))


def test_validating_answers_the_same_problems_and_stores_nothing(ana):
    files = {"lead_routing.bpmn": broken_lead_routing()}

    checked = ana.call("POST", "/api/deployments/validate", **multipart(files))
    refused = ana.call("POST", "/api/deployments", **multipart(files))

    assert checked.status_code == 200
    assert checked.json["problems"] == refused.json["problems"]


def test_validating_nothing_is_a_bad_request(ana):
    response = ana.call("POST", "/api/deployments/validate", data={},
                        content_type="multipart/form-data")

    assert response.status_code == 400 and "no files" in response.json["message"]


def test_the_editors_calls_need_the_csrf_token(ana):
    files = {"lead_assignment.dmn": (ROOT / "dmn" / "lead_assignment.dmn").read_bytes()}

    response = ana.call("POST", "/api/deployments/validate", csrf=False, **multipart(files))

    assert response.status_code == 400 and response.json["error"] == "csrf_failed"


def test_the_decision_file_to_edit_is_served_to_the_page(ana):
    response = ana.call("GET", "/api/decisions/lead_assignment/xml")

    assert response.status_code == 200
    assert response.data == (ROOT / "dmn" / "lead_assignment.dmn").read_bytes()
    assert ana.call("GET", "/api/decisions/nothing/xml").status_code == 404


# -- forms: a JSON editor with a preview drawn by the server ----------------------------------

def test_the_form_editor_shows_the_file_and_its_preview(ana):
    page = text_of(ana.get("/workspace/forms/first_call"))

    assert 'data-file="first_call.json"' in page
    assert 'hx-post="/workspace/forms/preview"' in page
    assert 'hx-trigger="keyup changed delay:500ms"' in page
    assert "&#34;key&#34;: &#34;first_call&#34;" in page or '"key": "first_call"' in page
    assert 'data-testid="preview"' in page


def test_the_preview_draws_the_fields_in_the_page_language(ana):
    definition = ('{"key": "call", "title": {"en": "Call", "zh-CN": "电话"}, "fields": ['
                  '{"name": "notes", "type": "text", "required": true,'
                  ' "label": {"en": "Call notes", "zh-CN": "通话记录"}}]}')

    english = ana.post("/workspace/forms/preview", {"definition": definition, "file": "call.json"},
                       headers={"HX-Request": "true"})
    chinese = ana.post("/workspace/forms/preview", {"definition": definition, "file": "call.json"},
                       headers={"HX-Request": "true", "Accept-Language": "zh-CN"})

    assert english.status_code == 200 and "Call notes" in text_of(english)
    assert 'name="notes"' in text_of(english) and "required" in text_of(english)
    assert "通话记录" in text_of(chinese) and "必填" in text_of(chinese)


@pytest.mark.parametrize("definition, message", [
    ('{"key": "call", "fields": [', "not valid JSON"),
    ('{"key": "call", "fields": [{"name": "x", "type": "colour"}]}', "colour"),
    ('{"key": "call", "fields": [], "pages": 2}', "unknown keys [&#39;pages&#39;]"),
])
def test_a_bad_definition_previews_as_its_error_message(ana, definition, message):
    response = ana.post("/workspace/forms/preview", {"definition": definition},
                        headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "This definition cannot be used" in text_of(response)
    assert message in text_of(response)


def test_the_preview_needs_the_csrf_token(ana):
    response = ana.post("/workspace/forms/preview", {"definition": "{}"}, csrf=False)

    assert response.status_code == 400
    assert "expired" in text_of(response)


def test_a_form_deploys_through_the_deployment_path(ana):
    edited = (ROOT / "bpmn" / "forms" / "first_call.json").read_text(encoding="utf-8")
    edited = edited.rstrip() + "\n\n"  # the same form, the file changed

    response = ana.call("POST", "/api/deployments",
                        **multipart({"first_call.json": edited.encode()}))

    assert response.status_code == 201, response.json
    assert response.json["forms"] == [{"key": "first_call", "version": 2, "status": "created"}]
    assert "v2" in text_of(ana.get("/workspace/forms/first_call/versions"))


# -- creating: a new process or form from a skeleton ----------------------------------------

def test_the_workspace_offers_a_new_process_and_a_new_form(ana):
    english = text_of(ana.get("/workspace"))
    chinese = text_of(ana.get("/workspace", headers=ZH))

    assert 'href="/workspace/processes/new"' in english and ">New process<" in english
    assert 'href="/workspace/forms/new"' in english and ">New form<" in english
    assert "新建流程" in chinese and "新建表单" in chinese


def test_the_new_process_page_opens_the_modeler_on_a_skeleton_with_a_key_field(ana):
    response = ana.get("/workspace/processes/new")
    page = text_of(response)

    assert response.status_code == 200
    assert "bpmn-modeler.production.min.js" in page
    assert 'data-source-url="/workspace/processes/new/diagram"' in page
    assert 'data-key-url="/workspace/processes/new/key"' in page
    assert 'id="new-key" name="key" required' in page and "Process key" in page
    assert ">Validate<" in page and ">Deploy<" in page


def test_the_new_pages_speak_chinese(ana):
    process = text_of(ana.get("/workspace/processes/new", headers=ZH))
    form = text_of(ana.get("/workspace/forms/new", headers=ZH))

    assert "新建流程" in process and "流程标识" in process and "校验" in process
    assert "新建表单" in form and "为必填" in form and "发布" in form


def test_the_skeleton_process_validates_without_problems_under_any_free_key(ana):
    skeleton = ana.get("/workspace/processes/new/diagram")
    assert skeleton.status_code == 200 and skeleton.mimetype == "application/xml"
    renamed = skeleton.data.replace(b'"new_process"', b'"demo_new"')

    for name, content in (("new_process.bpmn", skeleton.data), ("demo_new.bpmn", renamed)):
        checked = ana.call("POST", "/api/deployments/validate", **multipart({name: content}))
        assert checked.status_code == 200 and checked.json["problems"] == [], checked.json


def test_the_skeleton_form_validates_once_its_key_is_filled_in(ana):
    page = text_of(ana.get("/workspace/forms/new"))
    assert '&#34;key&#34;: &#34;&#34;' in page and 'data-key-url="/workspace/forms/new/key"' in page
    assert "&#39;key&#39; must be a non-empty string" in page  # the preview says what is missing
    skeleton = json.loads(html.unescape(TEXTAREA.search(page).group(1)))
    assert skeleton["title"] == {"en": "", "zh-CN": ""} and len(skeleton["fields"]) == 1

    filled = json.dumps({**skeleton, "key": "site_visit"}).encode()
    checked = ana.call("POST", "/api/deployments/validate",
                       **multipart({"site_visit.json": filled}))

    assert checked.status_code == 200 and checked.json["problems"] == [], checked.json


def test_a_free_key_names_the_new_file(ana):
    process = ana.call("GET", "/workspace/processes/new/key?key=demo_new")
    form = ana.call("GET", "/workspace/forms/new/key?key=site_visit")

    assert process.status_code == 200 and process.json["file"] == "demo_new.bpmn"
    assert form.status_code == 200 and form.json["file"] == "site_visit.json"


@pytest.mark.parametrize("kind, key, editor", [
    ("processes", "lead_routing", "/workspace/processes/lead_routing"),
    ("forms", "first_call", "/workspace/forms/first_call"),
])
def test_a_key_already_deployed_is_refused_with_the_way_to_open_it(ana, kind, key, editor):
    response = ana.call("GET", f"/workspace/{kind}/new/key?key={key}")
    chinese = ana.call("GET", f"/workspace/{kind}/new/key?key={key}",
                       headers={"Accept-Language": "zh-CN"})

    assert response.status_code == 409
    assert f"with key {key} is deployed already" in response.json["fields"]["key"][0]
    assert response.json["open_url"] == editor
    assert "已发布" in chinese.json["fields"]["key"][0]


@pytest.mark.parametrize("key, message", [
    ("", "required"),
    ("2fast", "starting with a letter"),
    ("demo-new", "starting with a letter"),
    ("new", "starting with a letter"),  # /workspace/processes/new is this page
])
def test_a_key_that_is_not_a_slug_is_refused(ana, key, message):
    response = ana.call("GET", f"/workspace/processes/new/key?key={key}")

    assert response.status_code == 422 and message in response.json["fields"]["key"][0]


@pytest.mark.parametrize("url", ["/workspace/processes/new", "/workspace/forms/new",
                                 "/workspace/processes/new/diagram",
                                 "/workspace/forms/new/key?key=x"])
def test_creating_needs_the_analyst_role(pages, shipped, url):
    assert pages.as_("alice").get(url).status_code == 403


# -- document templates ---------------------------------------------------------------------

def edited_quote(*paragraphs: str) -> bytes:
    document = WordDocument(ROOT / "templates" / "quote.docx")
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def upload(client, content: bytes | None, **fields):
    data = dict(fields)
    if content is not None:
        data["file"] = (io.BytesIO(content), "quote.docx")
    return client.post("/workspace/templates", data, content_type="multipart/form-data")


def test_the_templates_page_lists_them_with_preview_and_download(ana):
    page = text_of(ana.get("/workspace/templates"))

    assert 'id="template-quote"' in page and 'id="template-contract"' in page
    assert "/api/templates/quote/preview?format=docx&amp;language=zh-CN" in page
    assert 'href="/api/templates/contract/file"' in page
    assert "customer.name" in page


def test_a_template_upload_with_an_unknown_placeholder_names_it(ana):
    response = upload(ana, edited_quote("{{ customer.nmae }}"), key="quote")

    assert response.status_code == 400
    assert "Unknown placeholders: customer.nmae." in text_of(response)
    assert 'name="key" list="template-keys" required value="quote"' in text_of(response)


def test_a_template_upload_error_in_chinese(ana):
    response = ana.client.post("/workspace/templates", data={
        "csrf_token": ana.csrf, "key": "quote",
        "file": (io.BytesIO(edited_quote("{{ quote.vat_no }}")), "quote.docx")},
        content_type="multipart/form-data", headers=ZH)

    assert response.status_code == 400 and "未知的占位符：quote.vat_no。" in text_of(response)


def test_a_template_upload_without_a_file_or_with_a_bad_key_is_refused(ana):
    no_file = upload(ana, None, key="quote")
    bad_key = upload(ana, edited_quote(), key="Quote!")

    assert no_file.status_code == 422 and "Choose a .docx file" in text_of(no_file)
    assert bad_key.status_code == 422 and "lower-case letters" in text_of(bad_key)


def test_a_good_template_upload_becomes_the_next_version(ana):
    response = upload(ana, edited_quote("Thank you."), key="quote")

    assert response.status_code == 302
    page = text_of(ana.get(response.headers["Location"]))
    assert "Template quote version 2 uploaded." in page


def test_a_template_preview_is_the_filled_sample_docx(ana):
    response = ana.post("/api/templates/quote/preview?format=docx&language=en", {})

    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert "quote-v1-preview.docx" in response.headers["Content-Disposition"]


def test_uploading_templates_needs_the_analyst_role(pages, shipped):
    response = upload(pages.as_("alice"), edited_quote(), key="quote")

    assert response.status_code == 403
