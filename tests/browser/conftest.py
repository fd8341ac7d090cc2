"""Browser tests: Debian's headless Chromium driven by Playwright, against a live server.

The server is the test's own app (fresh database) served by werkzeug in a thread. Chromium is
/usr/bin/chromium (``CRM_CHROMIUM`` overrides); Playwright never downloads a browser. Without
Chromium the tests are skipped, unless ``CRM_REQUIRE_BROWSER=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CRM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CRM_REQUIRE_BROWSER"):
            pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The app on a free local port, for the browser; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


class Browser:
    """Signed-in browser pages: ``browser.as_('alice')`` or ``browser.as_('sam', phone=True)``."""

    def __init__(self, chromium, base_url: str):
        self.chromium, self.base_url = chromium, base_url
        self.contexts = []

    def new_page(self, *, phone: bool = False, language: str = "en"):
        context = self.chromium.new_context(
            base_url=self.base_url, viewport=PHONE if phone else DESKTOP,
            locale=language, is_mobile=phone, has_touch=phone, accept_downloads=True)
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        return page

    errors: list[str] = []

    def as_(self, username: str, *, phone: bool = False, language: str = "en"):
        page = self.new_page(phone=phone, language=language)
        page.goto("/login")
        page.fill("#username", username)
        page.fill("#password", "demo")
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        return page

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def browser(chromium, live_server):
    session = Browser(chromium, live_server)
    session.errors = []
    yield session
    session.close()
    assert not session.errors, f"JavaScript errors on the pages: {session.errors}"
