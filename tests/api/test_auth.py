"""Signing in and the token every other call needs."""


def test_valid_credentials_give_a_bearer_token(client):
    response = client.post("/api/auth/token", json={"username": "alice", "password": "demo"})
    assert response.status_code == 200
    assert response.json["token_type"] == "Bearer"
    me = client.get("/api/auth/me",
                    headers={"Authorization": f"Bearer {response.json['token']}"})
    assert me.status_code == 200
    assert me.json["username"] == "alice"
    assert me.json["roles"] == ["sales"]


def test_wrong_password_and_unknown_user_get_the_same_401(client):
    wrong = client.post("/api/auth/token", json={"username": "alice", "password": "nope"})
    unknown = client.post("/api/auth/token", json={"username": "nobody", "password": "demo"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["error"] == "unauthorized"
    assert wrong.json["message"] == unknown.json["message"]


def test_token_request_without_password_is_422_naming_the_field(client):
    response = client.post("/api/auth/token", json={"username": "alice"})
    assert response.status_code == 422
    assert response.json["error"] == "invalid"
    assert "password" in response.json["fields"]


def test_token_request_with_unknown_fields_is_422(client):
    response = client.post("/api/auth/token",
                           json={"username": "alice", "password": "demo", "admin": True})
    assert response.status_code == 422
    assert "admin" in response.json["fields"]


def test_malformed_json_is_400(client):
    response = client.post("/api/auth/token", data="{not json",
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"


def test_api_calls_without_a_token_are_401(client):
    for path in ("/api/tasks", "/api/process-instances", "/api/process-definitions",
                 "/api/auth/me"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_forged_token_is_401(client):
    response = client.get("/api/tasks", headers={"Authorization": "Bearer forged"})
    assert response.status_code == 401
    basic = client.get("/api/tasks", headers={"Authorization": "Basic YWxpY2U6ZGVtbw=="})
    assert basic.status_code == 401


def test_a_deactivated_user_loses_access_at_once(app, client, auth):
    headers = auth.headers("bob")
    assert client.get("/api/tasks", headers=headers).status_code == 200
    with app.app_context(), app.extensions["crm_db"].unit_of_work():
        from app.services import users

        users.find("bob").active = False
    assert client.get("/api/tasks", headers=headers).status_code == 401


def test_unknown_api_path_is_a_json_404(api):
    response = api.as_("alice").get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_wrong_method_is_a_json_405(api):
    response = api.as_("alice").get("/api/auth/token")
    assert response.status_code == 405
    assert response.json["error"] == "method_not_allowed"


def test_authentication_is_checked_before_the_body(client):
    for method, path in (("post", "/api/process-instances"), ("get", "/api/tasks?status=bogus"),
                         ("post", "/api/tasks/x/complete"), ("post", "/api/messages"),
                         ("post", "/api/decisions/d/evaluate"), ("post", "/api/admin/clock")):
        response = getattr(client, method)(path, json={"nonsense": True})
        assert response.status_code == 401, (method, path, response.json)
