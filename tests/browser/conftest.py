"""Playwright (sync API) with Debian's Chromium against pytest-django's live_server.

Run with `pytest tests/browser -m browser`. Never `playwright install`: the browser is
/usr/bin/chromium (apt-get install chromium fonts-wqy-microhei).
"""

from __future__ import annotations

import os
import shutil

import pytest

# Playwright's sync API keeps an event loop running in this thread; Django's ORM calls made by
# the test itself (building the tree, checking rows) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from web.tests.tree import PASSWORD, build_tree  # noqa: E402

CHROMIUM = os.environ.get("GRIDGOV_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium fonts-wqy-microhei (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_tree(transactional_db):
    return build_tree(with_passwords=True)


class Session:
    """One browser context (its own cookies) with a helper to log in and a record of problems."""

    def __init__(self, browser, base_url: str, **context_args):
        self.base_url = base_url
        self.context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **context_args)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.problems: list[str] = []
        self.page.on("console", lambda msg: msg.type == "error" and self.problems.append(f"console: {msg.text}"))
        self.page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        self.page.on("response", self._check_response)

    def _check_response(self, response):
        if "/static/" in response.url and response.status >= 400:
            self.problems.append(f"{response.status} {response.url}")

    def goto(self, path: str):
        return self.page.goto(self.base_url + path)

    def login(self, username: str, password: str = PASSWORD):
        self.goto("/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("#login-form button[type=submit]")
        self.page.wait_for_url(self.base_url + "/")

    def close(self):
        self.context.close()


@pytest.fixture
def session(chromium, live_server):
    """session() → a fresh browser context; pass viewport={...} for a phone."""
    opened: list[Session] = []

    def make(**context_args) -> Session:
        s = Session(chromium, live_server.url, **context_args)
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()
