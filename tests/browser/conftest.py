"""Playwright (Python) driving Debian's Chromium against a live server on the test database.

Playwright's own browser download does not work here, so the browser is the system Chromium
(`CHROMIUM_PATH`, default /usr/bin/chromium), headless, with the network-quiet flags it needs on
a machine without internet.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.factories import make_user

# Playwright's sync API keeps an event loop in the test thread; the test's own ORM calls there are
# still synchronous, so Django's async-safety guard must be relaxed for these tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def staff_password() -> str:
    return "Adm1n!Passw0rd"


@pytest.fixture
def staff(transactional_db, staff_password):
    return make_user("admin", email="boss@example.com", password=staff_password, first_name="Bo", last_name="Ss")


def sign_in(page, email: str, password: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("input[type=submit]")


@pytest.fixture
def signed_in(page, staff, staff_password):
    sign_in(page, "boss@example.com", staff_password)
    page.wait_for_url("**/admin/")
    return page
