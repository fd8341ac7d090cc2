"""Quote and contract documents made by the shipped processes, opened and read back."""

import os
import shutil

import pytest

from app.services import catalog

# CI installs LibreOffice and sets this: there, a missing converter is a failure, not a skip
REQUIRE_LIBREOFFICE = os.environ.get("CRM_REQUIRE_LIBREOFFICE") == "1"


@pytest.fixture
def libreoffice():
    if shutil.which("soffice") is None or shutil.which("pdftotext") is None:
        if REQUIRE_LIBREOFFICE:
            pytest.fail("LibreOffice (soffice) and pdftotext are required here")
        pytest.skip("LibreOffice or pdftotext is not installed")


@pytest.fixture
def pdfs(app, libreoffice):
    app.config["PDF_ENABLED"] = True


@pytest.fixture
def deal(api, app, shipped):
    """alice's opportunity with a Shanghai manufacturer, contact Wang Wei."""
    with app.app_context(), app.extensions["crm_db"].unit_of_work() as session:
        catalog.seed_demo_catalog(session)
    customer = api.as_("alice").post("/api/customers", json={"name": "上海精工机械有限公司"})
    assert customer.status_code == 201, customer.json
    contact = api.as_("alice").post(f"/api/customers/{customer.json['id']}/contacts", json={
        "name": "王伟", "email": "wang.wei@jinggong.example", "phone": "13800138000"})
    response = api.as_("alice").post("/api/opportunities", json={
        "customer_id": customer.json["id"], "name": "CRM 上线",
        "contact_id": contact.json["id"]})
    assert response.status_code == 201, response.json
    return response.json
