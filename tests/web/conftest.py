"""Fixtures for the pages: ``pages.as_('alice').get('/inbox')``, signed in by the login form."""

from __future__ import annotations

import re

import pytest

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


class PageClient:
    """A browser-like client: signed in through /login, sending the CSRF token it was given."""

    def __init__(self, app, username: str | None):
        self.client = app.test_client()
        self.csrf = ""
        self.refresh_token()
        if username:
            response = self.post("/login", {"username": username, "password": "demo"})
            assert response.status_code == 302, response.get_data(as_text=True)
            self.refresh_token()  # signing in starts a new session with a new token

    def refresh_token(self) -> None:
        with self.client.session_transaction() as session:
            self.csrf = session.get("csrf", "")
        if not self.csrf:  # not signed in: the login page hands one out
            page = self.client.get("/login", headers={"Accept": "text/html"})
            self.csrf = CSRF.search(page.get_data(as_text=True)).group(1)

    def get(self, path: str, **kwargs):
        kwargs.setdefault("headers", {}).setdefault("Accept", "text/html")
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, *, csrf: bool = True, **kwargs):
        """A form post (with the page's CSRF token unless ``csrf=False``)."""
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf)
        kwargs.setdefault("headers", {}).setdefault("Accept", "text/html")
        return self.client.post(path, data=data, **kwargs)

    def call(self, method: str, path: str, json=None, *, csrf: bool = True, **kwargs):
        """The JSON API as the page's scripts call it: the session cookie and the CSRF header."""
        headers = kwargs.setdefault("headers", {})
        if csrf:
            headers["X-CSRF-Token"] = self.csrf
        return self.client.open(path, method=method, json=json, **kwargs)


class Pages:
    def __init__(self, app):
        self.app = app

    def as_(self, username: str) -> PageClient:
        return PageClient(self.app, username)

    def anonymous(self) -> PageClient:
        return PageClient(self.app, None)


@pytest.fixture
def pages(app):
    return Pages(app)
