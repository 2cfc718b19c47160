"""Finding 6: forgot-password's response time revealed whether an address belongs to an active
account (the reset mail went out inside the request). The mail now leaves after the response, so
with a mail server that takes a second the answers for an active and an unknown address fall in
the same band."""

from __future__ import annotations

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
