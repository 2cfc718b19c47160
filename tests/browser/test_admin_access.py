"""Signing in to the back office in a real browser."""

from tests.browser.conftest import SCREENSHOTS, sign_in
from tests.factories import make_user


def test_admin_signs_in_and_sees_the_dashboard(signed_in):
    page = signed_in
    assert page.locator("#site-name").inner_text() == "NatJoub back office"
    assert page.locator("#dashboard").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)


def test_seller_is_refused_with_a_clear_message(page, transactional_db):
    make_user("seller", email="shop@example.com", password="Sell3r!Passw0rd")
    sign_in(page, "shop@example.com", "Sell3r!Passw0rd")
    error = page.locator(".errornote")
    assert "only active administrators can sign in" in error.inner_text()
    assert "/admin/login/" in page.url


def test_wrong_password_is_refused(page, staff):
    sign_in(page, "boss@example.com", "wrong-password")
    assert "correct email and password" in page.locator(".errornote").inner_text()
