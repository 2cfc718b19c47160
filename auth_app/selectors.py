"""Reads of accounts (they own their select_related and filters)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.db.models.functions import Lower
from django.utils import timezone

from auth_app.models import Credential, Session, User
from natjoub.registry import seller_dashboard as seller_dashboard_figures


def users_with_credentials() -> QuerySet[User]:
    return User.objects.select_related("role", "credentials")


def user_get(*, user_id: uuid.UUID | str) -> User | None:
    return users_with_credentials().filter(pk=user_id).first()


def credential_by_identifier(identifier: str) -> Credential | None:
    """Email (case-insensitive) wins over username, which wins over phone number (§6.0).

    One query over the three unique indexes (``lower(email)``, ``username``, ``phone_number``).
    """
    matches = list(
        Credential.objects.select_related("user", "user__role")
        .annotate(email_lower=Lower("email"))
        .filter(Q(email_lower=Lower(Value(identifier))) | Q(username=identifier) | Q(phone_number=identifier))[:3]
    )
    if not matches:
        return None
    lowered = identifier.lower()
    for predicate in (
        lambda c: c.email.lower() == lowered,
        lambda c: c.username == identifier,
        lambda c: c.phone_number == identifier,
    ):
        for credential in matches:
            if predicate(credential):
                return credential
    return matches[0]  # PostgreSQL's lower() matched where Python's differs: still the e-mail


def credential_by_email(email: str) -> Credential | None:
    return (
        Credential.objects.select_related("user")
        .annotate(email_lower=Lower("email"))
        .filter(email_lower=Lower(Value(email)))
        .first()
    )


def user_list(*, role: str | None = None, is_active: bool | None = None, search: str | None = None) -> QuerySet[User]:
    """Users ordered by ``created_at``, ``id`` (§6.9)."""
    users = users_with_credentials()
    if role is not None:
        users = users.filter(role__name=role)
    if is_active is not None:
        users = users.filter(is_active=is_active)
    if search:
        users = users.filter(
            Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(credentials__email__icontains=search)
            | Q(credentials__username__icontains=search)
        )
    return users.order_by("created_at", "id")


def live_sessions(*, user_id: uuid.UUID | str) -> QuerySet[Session]:
    """The user's sessions that have not ended (docs/api.md §30), newest use first. A session
    whose last refresh token has expired (issued at ``last_used_at``) has ended too."""
    horizon = timezone.now() - timedelta(seconds=settings.JWT_REFRESH_TTL_SECONDS)
    return Session.objects.filter(user_id=user_id, ended_at__isnull=True, last_used_at__gt=horizon).order_by(
        "-last_used_at", "id"
    )


def session_list(*, user_id: uuid.UUID | str, current_session_id: str | None) -> QuerySet[Session]:
    """The caller's live sessions with ``current`` marking the presented token's (§30)."""
    sessions = live_sessions(user_id=user_id)
    if current_session_id is None:  # a token from before sessions existed
        return sessions.annotate(current=Value(False, output_field=BooleanField()))
    return sessions.annotate(
        current=Case(When(pk=current_session_id, then=Value(True)), default=Value(False), output_field=BooleanField())
    )


def seller_dashboard(*, user_id, role: str, days: int) -> dict:
    """The seller dashboard (docs/api.md §37.11): zeros, overlaid with the figures the apps that
    own them registered (orders: bookings, pending, revenue; stock: active listings)."""
    figures = {"total_bookings": 0, "active_listings": 0, "revenue": "0.00", "pending_orders": 0}
    for contribution in seller_dashboard_figures:
        figures.update(contribution.compute(user_id=user_id, role=role, days=days))
    return {**figures, "currency": settings.CURRENCY, "days": days}
