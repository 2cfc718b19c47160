"""The back office under its Content-Security-Policy (docs/api.md §35), in Chromium: the sign-in
page, the dashboard, every changelist, add and change forms and the custom pages load and work
without a single CSP violation (Chromium fires ``securitypolicyviolation`` and logs a console
error for each inline script, inline style or foreign resource it refuses)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from inventory_app.models import InventoryItem, StockTransfer
from tests.browser.conftest import sign_in
from tests.browser.test_back_office import CHANGELISTS

# Registered before any page script runs; DevTools-injected, so the policy does not block it.
LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${where}`);
});
"""


def is_csp_error(message) -> bool:
    """Chromium's console report of a refused script, style or resource (a missing favicon is not)."""
    return message.type == "error" and "Content Security Policy" in message.text


@pytest.fixture
def watched(page, staff, staff_password, transactional_db):
    """A signed-in page that records every CSP violation (event or console report) and uncaught error."""
    call_command("seed_demo", verbosity=0)
    page.violations = []
    page.add_init_script(LISTEN)
    page.on("console", lambda msg: page.violations.append(msg.text) if is_csp_error(msg) else None)
    page.on("pageerror", lambda exc: page.violations.append(f"uncaught: {exc}"))
    sign_in(page, "boss@example.com", staff_password)
    page.wait_for_url("**/admin/")
    return page


def visit(page, path: str) -> list[str]:
    """Open ``path`` and return the violations and uncaught errors it caused."""
    page.violations.clear()
    response = page.goto(path)
    assert response.status == 200, path
    assert "script-src 'self'" in response.headers["content-security-policy"], path
    page.wait_for_load_state("load")
    return page.violations + page.evaluate("window.__cspViolations")


def test_a_violation_would_be_seen(watched):
    """The control: an inline style the policy refuses is reported (so an empty list means none)."""
    assert visit(watched, "/admin/") == []
    watched.evaluate("document.body.insertAdjacentHTML('beforeend', '<div style=\"color: red\">x</div>')")
    watched.wait_for_function("window.__cspViolations.length > 0")
    assert "style-src" in watched.evaluate("window.__cspViolations")[0]


def test_the_sign_in_page_and_the_dashboard_have_no_csp_violation(page, staff, staff_password):
    page.violations = []
    page.add_init_script(LISTEN)
    page.on("console", lambda msg: page.violations.append(msg.text) if is_csp_error(msg) else None)
    response = page.goto("/admin/login/")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert page.violations + page.evaluate("window.__cspViolations") == []
    sign_in(page, "boss@example.com", staff_password)
    page.wait_for_url("**/admin/")
    assert page.locator("#content").is_visible()
    assert page.violations + page.evaluate("window.__cspViolations") == []


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_changelists_have_no_csp_violation(watched, changelist):
    assert visit(watched, f"/admin/{changelist}/") == []
    toggle = watched.locator("#action-toggle")
    if toggle.count():  # the actions script runs: select all, the counter updates
        toggle.check()
        assert watched.locator(".action-counter").is_visible()
    assert watched.evaluate("window.__cspViolations") == []


def test_forms_and_custom_pages_have_no_csp_violation(watched, staff):
    item = InventoryItem.objects.first()
    pages = [
        "/admin/",
        "/admin/inventory_app/inventoryitem/add/",
        f"/admin/inventory_app/inventoryitem/{item.pk}/change/",
        f"/admin/auth_app/user/{staff.pk}/change/",
        "/admin/password_change/",
    ]
    transfer = StockTransfer.objects.first()
    if transfer is not None:
        pages.append(f"/admin/inventory_app/stocktransfer/{transfer.pk}/change/")
    for path in pages:
        assert visit(watched, path) == [], path
    watched.goto("/admin/inventory_app/stockmovement/")
    watched.click("text=Record movement")
    watched.wait_for_load_state("load")
    assert watched.locator("select[name=movement_type]").is_visible()
    assert watched.violations + watched.evaluate("window.__cspViolations") == []
