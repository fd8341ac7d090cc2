"""Signing in to the pages, CSRF, the language switch, and errors shown as pages."""

from __future__ import annotations

from page_text import text_of, visible_text

from app.web import i18n


def test_a_page_sends_an_anonymous_visitor_to_sign_in_and_back(pages):
    visitor = pages.anonymous()
    response = visitor.get("/inbox?mine=1")
    assert response.status_code == 302
    assert response.location.endswith("/login?next=/inbox?mine%3D1")
    signed_in = visitor.post("/login", {"username": "alice", "password": "demo",
                                        "next": "/inbox?mine=1"})
    assert signed_in.status_code == 302 and signed_in.location == "/inbox?mine=1"


def test_a_wrong_password_is_one_message_for_any_mistake(pages):
    visitor = pages.anonymous()
    wrong_password = visitor.post("/login", {"username": "alice", "password": "nope"})
    unknown_user = visitor.post("/login", {"username": "nobody", "password": "demo"})
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert "Wrong username or password." in text_of(wrong_password)
    assert 'value="alice"' in text_of(wrong_password)  # what was typed stays


def test_sign_in_never_redirects_to_another_site(pages):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        response = pages.anonymous().post("/login", {"username": "alice", "password": "demo",
                                           "next": target})
        assert response.location == "/", target


def test_a_deactivated_person_is_signed_out_at_once(pages, work):
    from app.services import users

    alice = pages.as_("alice")
    assert alice.get("/").location == "/inbox"
    with work():
        users.find("alice").active = False
    assert alice.get("/inbox").location.startswith("/login")


def test_sign_out_ends_the_session(pages):
    alice = pages.as_("alice")
    assert alice.post("/logout").location == "/login"
    assert alice.get("/inbox").status_code == 302


def test_a_copy_of_the_cookie_is_worthless_once_its_owner_signed_out(pages, app):
    alice = pages.as_("alice")
    stolen = app.test_client()
    stolen.set_cookie("session", alice.client.get_cookie("session").value)
    assert stolen.get("/inbox", headers={"Accept": "text/html"}).status_code == 200
    alice.post("/logout")
    assert stolen.get("/inbox", headers={"Accept": "text/html"}).status_code == 302
    assert stolen.get("/api/auth/me").status_code == 401


def test_a_page_session_ends_after_its_lifetime(pages, app):
    alice = pages.as_("alice")
    app.config["WEB_SESSION_HOURS"] = 0
    assert alice.get("/inbox").location.startswith("/login")
    assert alice.call("GET", "/api/auth/me").status_code == 401


def test_signing_in_needs_the_login_pages_token(pages):
    visitor = pages.anonymous()
    forged = visitor.post("/login", {"username": "alice", "password": "demo"}, csrf=False)
    assert forged.status_code == 400
    assert visitor.get("/inbox").status_code == 302  # not signed in


def test_signed_in_pages_may_not_be_framed(pages):
    headers = pages.as_("alice").get("/inbox").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_a_change_without_the_security_token_is_refused_with_a_message(pages):
    alice = pages.as_("alice")
    response = alice.post("/language", {"language": "zh-CN"}, csrf=False)
    assert response.status_code == 400
    assert "reload the page" in text_of(response)
    forged = alice.post("/language", {"language": "zh-CN", "csrf_token": "forged"}, csrf=False)
    assert forged.status_code == 400


def test_the_language_follows_the_browser_until_the_person_chooses(pages, work):
    from app.services import users

    alice = pages.as_("alice")
    chinese_browser = {"Accept": "text/html", "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
    assert "销售流程" in text_of(alice.get("/nope", headers=chinese_browser))
    assert alice.post("/language", {"language": "en", "next": "/inbox"}).location == "/inbox"
    assert "Sales Workflow" in text_of(alice.get("/nope", headers=chinese_browser))
    with work():
        alice_row = users.find("alice")
        assert (alice_row.language, alice_row.language_chosen) == ("en", True)
    # remembered for the person, not the browser: a new session starts in the chosen language
    again = pages.as_("alice")
    assert "Sales Workflow" in text_of(again.get("/nope", headers=chinese_browser))


def test_choosing_a_language_saves_it_for_the_persons_messages_too(pages, work):
    from app.services import users

    pages.as_("bob").post("/language", {"language": "zh-CN"})
    with work():
        assert users.find("bob").language == "zh-CN"


def test_an_unknown_language_is_refused_naming_the_choices(pages):
    response = pages.as_("alice").post("/language", {"language": "fr"})
    assert response.status_code == 400
    assert "language: choose one of en, zh-CN" in visible_text(response)


def test_an_unknown_page_is_a_page_not_a_stack_trace(pages):
    response = pages.as_("alice").get("/no-such-page")
    assert response.status_code == 404
    assert "Not found" in text_of(response) and "Traceback" not in text_of(response)


def test_page_scripts_call_the_api_with_the_session_and_its_token(pages):
    alice = pages.as_("alice")
    assert alice.call("GET", "/api/auth/me").json["username"] == "alice"
    refused = alice.call("POST", "/api/notifications/read-all", csrf=False)
    assert refused.status_code == 400 and refused.json["error"] == "csrf_failed"
    assert alice.call("POST", "/api/notifications/read-all").status_code == 200
    forbidden = alice.call("POST", "/api/deployments")
    assert forbidden.status_code == 403 and forbidden.json["error"] == "forbidden"


def test_the_api_without_a_session_still_asks_for_a_token(client):
    response = client.get("/api/tasks")
    assert response.status_code == 401 and response.json["error"] == "unauthorized"


def test_every_text_is_in_english_and_chinese():
    texts = i18n.catalogue()
    assert set(texts["en"]) == set(texts["zh-CN"]), (
        set(texts["en"]) ^ set(texts["zh-CN"]))


def test_switching_language_on_a_page_answered_to_a_post_returns_to_that_page(pages):
    alice = pages.as_("alice")
    refused = alice.post("/language", {"language": "fr"},
                         headers={"Accept": "text/html", "Referer": "http://localhost/inbox?x=1"})
    assert 'name="next" value="/inbox?x=1"' in text_of(refused)
    elsewhere = alice.post("/language", {"language": "fr"},
                           headers={"Accept": "text/html", "Referer": "https://evil.example/a"})
    assert 'name="next" value="/"' in text_of(elsewhere)
