"""The test clock, the health check and the OpenAPI document."""


def test_an_admin_moves_the_test_clock(api):
    before = api.as_("admin").get("/healthz").json["now"]
    response = api.as_("admin").post("/api/admin/clock", json={"advance": "PT25H"})
    assert response.status_code == 200
    assert 25 * 3600 - 5 < response.json["offset_seconds"] < 25 * 3600 + 5
    after = api.client.get("/healthz").json["now"]
    assert after > before
    set_to = api.as_("admin").post("/api/admin/clock",
                                   json={"set": "2030-01-01T09:00:00+08:00"})
    assert set_to.json["now"].startswith("2030-01-01T01:00")


def test_clock_requests_are_validated(api):
    admin = api.as_("admin")
    assert admin.post("/api/admin/clock", json={}).status_code == 400
    assert admin.post("/api/admin/clock", json={"advance": "PT1H",
                                                "set": "2030-01-01T00:00:00Z"}).status_code == 400
    bad = admin.post("/api/admin/clock", json={"advance": "25 hours"})
    assert bad.status_code == 422 and "advance" in bad.json["fields"]
    naive = admin.post("/api/admin/clock", json={"set": "2030-01-01T00:00:00"})
    assert naive.status_code == 422


def test_only_admins_move_the_clock(api):
    assert api.as_("mia").post("/api/admin/clock", json={"advance": "PT1H"}).status_code == 403
    assert api.client.post("/api/admin/clock", json={"advance": "PT1H"}).status_code == 401


def test_without_the_test_clock_setting_the_endpoint_is_404(app, api):
    app.config["TEST_CLOCK"] = False
    response = api.as_("admin").post("/api/admin/clock", json={"advance": "PT1H"})
    assert response.status_code == 404
    assert api.client.post("/api/admin/clock", json={}).status_code == 404  # not even 401


def test_healthz_needs_no_token_and_reports_database_and_scheduler(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"] == "ok"
    assert response.json["scheduler_last_tick"] is None
    from app.scheduler import tick

    tick(app)
    assert client.get("/healthz").json["scheduler_last_tick"] is not None


def test_healthz_reports_an_unreachable_database_as_503(app, client, tmp_path):
    from app.db import Database

    app.extensions["crm_db"] = Database(f"sqlite:///{tmp_path}/missing/dir/x.sqlite3")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"


def test_openapi_document_describes_the_api_from_the_schemas(client):
    spec = client.get("/api/openapi.json").json
    paths = spec["paths"]
    for path in ("/api/auth/token", "/api/deployments", "/api/process-definitions",
                 "/api/process-definitions/{key}", "/api/process-definitions/{key}/xml",
                 "/api/process-instances", "/api/process-instances/{instance_id}",
                 "/api/process-instances/{instance_id}/cancel", "/api/tasks",
                 "/api/tasks/{task_id}", "/api/tasks/{task_id}/claim",
                 "/api/tasks/{task_id}/unclaim", "/api/tasks/{task_id}/complete",
                 "/api/messages", "/api/decisions/{decision_id}/evaluate", "/healthz"):
        assert path in paths, path
    assert "StartInstance" in spec["components"]["schemas"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert paths["/api/auth/token"]["post"]["security"] == []


def test_interactive_docs_are_served_with_local_assets(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert b"/api/docs/assets/swagger-ui-bundle.js" in page.data
    asset = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
