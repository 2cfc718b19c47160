"""`manage.py create_admin` and `manage.py purge_expired_tokens` (docs/api.md §21)."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from auth_app.models import PasswordResetToken, RefreshToken, RoleName, Session, TokenBlacklist, User
from auth_app.validation import PASSWORD_COMMON_MESSAGE, PASSWORD_POLICY_MESSAGE
from tests.factories import make_user

pytestmark = pytest.mark.django_db
FLAGS = ["--email", "Root@Example.com", "--password", "Adm1n!Secret", "--first-name", "Root", "--last-name", "User"]


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_create_admin_with_flags():
    output = run("create_admin", "--no-input", *FLAGS, "--username", "root", "--phone", "+85512345678")
    assert "Admin Root@Example.com created" in output
    user = User.objects.select_related("role", "credentials").get(credentials__email="Root@Example.com")
    assert user.role.name == RoleName.ADMIN
    assert user.is_active is True
    assert user.credentials.is_verified is True
    assert (user.credentials.username, user.credentials.phone_number) == ("root", "+85512345678")
    assert check_password("Adm1n!Secret", user.credentials.password)
    assert user.is_staff is True


@pytest.mark.parametrize("missing", ["--email", "--password", "--first-name", "--last-name"])
def test_no_input_fails_on_anything_missing(missing):
    index = FLAGS.index(missing)
    flags = FLAGS[:index] + FLAGS[index + 2 :]
    with pytest.raises(CommandError, match=f"{missing} is required"):
        run("create_admin", "--no-input", *flags)
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--password", "short", PASSWORD_POLICY_MESSAGE),
        ("--password", "P@ssw0rd", PASSWORD_COMMON_MESSAGE),
        ("--email", "nope", "Invalid email format"),
        ("--first-name", "R00t", "Invalid first name"),
        ("--username", "x", "Username must be 3-20"),
        ("--phone", "012", "Invalid phone number format"),
    ],
)
def test_same_validation_as_register(flag, value, message):
    flags = list(FLAGS)
    if flag in flags:
        flags[flags.index(flag) + 1] = value
    else:
        flags += [flag, value]
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        run("create_admin", "--no-input", *flags)


def test_duplicate_email_is_refused():
    make_user(RoleName.CUSTOMER, email="root@example.com")
    with pytest.raises(CommandError, match="Email already registered"):
        run("create_admin", "--no-input", *FLAGS)


def test_interactive_prompts_for_what_is_missing(monkeypatch):
    answers = iter(["bad-email", "admin2@example.com", "Second", "Admin", "", ""])
    secrets = iter(["weak", "weak", "Adm1n!Secret", "Adm1n!Secret"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(secrets))
    output = run("create_admin")
    assert "Admin admin2@example.com created" in output
    user = User.objects.select_related("credentials").get(credentials__email="admin2@example.com")
    assert user.credentials.username is None
    assert check_password("Adm1n!Secret", user.credentials.password)


def test_interactive_without_a_terminal_fails_cleanly(monkeypatch):
    def eof(prompt=""):
        raise EOFError

    monkeypatch.setattr("builtins.input", eof)
    with pytest.raises(CommandError, match="no value given"):
        run("create_admin", "--password", "Adm1n!Secret")


def test_purge_expired_tokens():
    user = make_user(RoleName.CUSTOMER)
    now = timezone.now()
    past, future = now - timedelta(seconds=1), now + timedelta(hours=1)
    RefreshToken.objects.create(user=user, token="a" * 64, expires_at=past)
    RefreshToken.objects.create(user=user, token="b" * 64, expires_at=future)
    RefreshToken.objects.create(user=user, token="c" * 64, expires_at=future, is_revoked=True)
    TokenBlacklist.objects.create(jti="old", expires_at=past)
    TokenBlacklist.objects.create(jti="live", expires_at=future)
    PasswordResetToken.objects.create(user=user, token_hash="d" * 64, expires_at=past)
    PasswordResetToken.objects.create(user=user, token_hash="e" * 64, expires_at=future, used_at=now)
    PasswordResetToken.objects.create(user=user, token_hash="f" * 64, expires_at=future)
    output = run("purge_expired_tokens")
    assert "refresh tokens: 1" in output
    assert "blacklisted tokens: 1" in output
    assert "password reset tokens: 2" in output
    assert set(RefreshToken.objects.values_list("token", flat=True)) == {"b" * 64, "c" * 64}
    assert list(TokenBlacklist.objects.values_list("jti", flat=True)) == ["live"]
    assert list(PasswordResetToken.objects.values_list("token_hash", flat=True)) == ["f" * 64]


def test_purge_removes_sessions_a_refresh_lifetime_after_they_ended():
    user = make_user(RoleName.CUSTOMER)
    long_ago = timezone.now() - timedelta(seconds=604_800 + 60)
    kept = [Session.objects.create(user=user), Session.objects.create(user=user, ended_at=timezone.now())]
    Session.objects.create(user=user, ended_at=long_ago)
    Session.objects.create(user=user, last_used_at=long_ago)  # its last refresh token expired long ago
    assert "sessions: 2" in run("purge_expired_tokens")
    assert set(Session.objects.all()) == set(kept)


def test_purge_expired_tokens_is_an_alias_of_purge_expired():
    assert run("purge_expired_tokens") == run("purge_expired")
    assert "expired_tokens: refresh tokens: 0" in run("purge_expired_tokens")
