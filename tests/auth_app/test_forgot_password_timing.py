"""Finding 6: forgot-password's response time revealed whether an address belongs to an active
account (the reset mail went out inside the request). The mail now leaves after the response, so
with a mail server that takes a second the answers for an active and an unknown address fall in
the same band."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.test import override_settings

from auth_app.models import RoleName
from tests.auth_app.conftest import post
from tests.auth_app.slow_mail import DELAY_SECONDS
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)  # real commits: on_commit runs as in production
SLOW_MAIL = {"default": {"BACKEND": "tests.auth_app.slow_mail.SlowEmailBackend"}}


def timed(client, email: str) -> float:
    started = time.perf_counter()
    response = post(client, "/api/v1/auth/forgot-password", {"email": email})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    return elapsed


@override_settings(MAILERS=SLOW_MAIL, BACKGROUND_TASKS_EAGER=False)
def test_active_and_unknown_addresses_answer_in_the_same_time(client):
    make_user(RoleName.CUSTOMER, email="active@example.com")
    timed(client, "warm-up@example.com")  # first-request costs (URL resolution, templates) are not the point
    active = [timed(client, "active@example.com") for _ in range(3)]
    unknown = [timed(client, "unknown@example.com") for _ in range(3)]
    # the slow mail server is never waited for: both well under its delay, and close to each other
    assert max(active + unknown) < DELAY_SECONDS / 2, (active, unknown)
    assert abs(sorted(active)[1] - sorted(unknown)[1]) < DELAY_SECONDS / 4, (active, unknown)
    from natjoub.background import wait_for_background_tasks

    wait_for_background_tasks(timeout=10)
    assert [m.to for m in mail.outbox] == [["active@example.com"]] * 3  # and the mail did go out


# -- §35: the same database work for known and unknown addresses (no timing assertion) ------------
def _statements(client, email: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert post(client, "/api/v1/auth/forgot-password", {"email": email}).status_code == 200
    # the statements with their literals blanked; the rate-limit counters (natjoub_cache) aside
    return [re.sub(r"'[^']*'", "?", q["sql"]) for q in queries.captured_queries if "natjoub_cache" not in q["sql"]]


@pytest.mark.parametrize("other", ["unknown@example.com", "paused@example.com"])
def test_known_and_unknown_addresses_cost_the_database_the_same(client, other):
    """Before §35 an active account's address cost an INSERT and a commit more than any other."""
    from auth_app.models import PasswordResetToken

    make_user(RoleName.CUSTOMER, email="known@example.com")
    make_user(RoleName.CUSTOMER, email="paused@example.com", is_active=False)
    _statements(client, "warm-up@example.com")
    known, unknown = _statements(client, "Known@Example.com"), _statements(client, other)
    assert len(known) == len(unknown) >= 1
    assert known == unknown  # the same statements, transaction and commit included
    assert "COMMIT" in unknown
    assert PasswordResetToken.objects.filter(user__credentials__email=other).count() == 0
    assert PasswordResetToken.objects.filter(user__credentials__email="known@example.com").count() == 1
