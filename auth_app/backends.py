"""Django auth backend for the admin site: e-mail (case-insensitive) and password, under the same
per-account failure limit as the API's login (docs/api.md §29.1, §35)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied

from auth_app.models import User
from natjoub import ratelimit
from natjoub.api.errors import RateLimited
from natjoub.audit import audit, identifier_hash

_DUMMY_HASH: str | None = None


def dummy_password_check(password: str) -> None:
    """Spend the time of a real check so unknown accounts are not revealed by timing."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = make_password("natjoub-timing-equaliser")
    check_password(password, _DUMMY_HASH)


class EmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = email or username
        if not email or password is None:
            return None
        user = User.objects.select_related("role", "credentials").filter(credentials__email__iexact=email).first()
        key = ratelimit.failure_key(email, account_id=None if user is None else user.pk)
        try:
            attempt = ratelimit.begin_attempt(key)  # counted before the password, like the API's login
        except RateLimited:
            raise PermissionDenied from None  # no backend may try: the form answers "not correct"
        if user is None:
            dummy_password_check(password)
        elif user.check_password(password):
            ratelimit.end_attempt_ok(attempt)
            return user if self.user_can_authenticate(user) else None
        audit("login.failure", identifier_hash=identifier_hash(email), site="admin")
        return None

    def get_user(self, user_id):
        user = User.objects.select_related("role", "credentials").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
