"""Django auth backend for the admin site: e-mail (case-insensitive) and password."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password, make_password

from auth_app.models import User

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
        if user is None:
            dummy_password_check(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        user = User.objects.select_related("role", "credentials").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
