"""Finding 12: a refresh rotation racing a logout, a password reset or a deactivation must not leave
a new refresh token alive (docs/api.md §25, §30). Threads with their own connections.

The rotation is held open right after it inserted its new refresh token (and before it commits)
while the revocation runs. Without a common lock the revocation's UPDATE works on a snapshot that
predates the INSERT, so the new token survives it; with the user row locked by both, the
revocation waits for the rotation and then revokes the new token too.
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from auth_app import services
from auth_app.models import PasswordResetToken, RefreshToken, RoleName, User
from auth_app.services import sessions as session_services
from auth_app.tokens import AccessToken, sha256_hex
from tests.auth_app.conftest import STRONG_PASSWORD
from tests.factories import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]
HOLD_SECONDS = 0.5  # how long the rotation stays uncommitted once the revocation has started


def _revocations(user, tokens):
    reset_token = secrets.token_urlsafe(32)
    PasswordResetToken.objects.create(
        user=user, token_hash=sha256_hex(reset_token), expires_at=timezone.now() + timedelta(minutes=30)
    )
    return {
        "logout": lambda: services.session_logout(user=user, access_token=AccessToken(tokens["access_token"])),
        "password_reset": lambda: services.password_reset_confirm(token=reset_token, new_password=STRONG_PASSWORD),
        "deactivation": lambda: services.user_set_status(user_id=user.pk, is_active=False),
    }


@pytest.mark.parametrize("revocation", ["logout", "password_reset", "deactivation"])
def test_a_refresh_racing_a_revocation_leaves_no_live_refresh_token(monkeypatch, revocation):
    user = make_user(RoleName.SELLER)
    tokens = services.tokens_issue(user=user)
    revoke = _revocations(user, tokens)[revocation]

    barrier = threading.Barrier(2)
    rotated, revoking = threading.Event(), threading.Event()
    issue = session_services.tokens_issue

    def held_issue(**kwargs):
        issued = issue(**kwargs)  # the new refresh token row is inserted, not committed
        rotated.set()
        revoking.wait(timeout=10)
        time.sleep(HOLD_SECONDS)  # the revocation's statements run (or wait for this transaction) now
        return issued

    monkeypatch.setattr(session_services, "tokens_issue", held_issue)
    results: dict[str, object] = {}

    def rotate():
        try:
            barrier.wait(timeout=10)
            results["rotation"] = services.token_refresh(refresh_token=tokens["refresh_token"])
        except Exception as exc:
            results["rotation"] = exc
        finally:
            rotated.set()
            connection.close()

    def end_sessions():
        try:
            barrier.wait(timeout=10)
            rotated.wait(timeout=10)
            revoking.set()
            results["revocation"] = revoke()
        except Exception as exc:
            results["revocation"] = exc
        finally:
            revoking.set()
            connection.close()

    threads = [threading.Thread(target=rotate), threading.Thread(target=end_sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)

    assert not isinstance(results["revocation"], Exception), results["revocation"]
    rotation = results["rotation"]
    assert isinstance(rotation, dict), rotation  # the rotation ran first and succeeded
    new_refresh = RefreshToken.objects.get(token=sha256_hex(rotation["refresh_token"]))
    assert new_refresh.is_revoked, "the new refresh token survived the revocation"
    assert not RefreshToken.objects.filter(user=user, is_revoked=False).exists()
    if revocation == "deactivation":
        User.objects.filter(pk=user.pk).update(is_active=True)  # a reactivation must not revive it
    with pytest.raises(Exception) as refused:  # noqa: PT011 - the old code raised AccountDeactivated
        services.token_refresh(refresh_token=rotation["refresh_token"])
    assert refused.value.__class__.__name__ in {"RefreshTokenRevoked", "AccountDeactivated"}
