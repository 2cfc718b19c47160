"""Querysets compiled once (natjoub/db/compiled.py): every call returns what the plain queryset
returns (fields, select_related objects, annotations), with the values of that call."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auth_app.authentication import ACTIVE_USER, ACTIVE_USER_IN_SESSION, _active_user
from auth_app.models import Session, TokenBlacklist, User
from natjoub.db.compiled import CompiledQuery
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def snapshot(user: User | None) -> tuple | None:
    """What the bearer lookup's callers read: every concrete field, the joined rows, annotations."""
    if user is None:
        return None
    own = tuple(getattr(user, f.attname) for f in User._meta.concrete_fields)
    credentials = user.credentials
    joined = (user.role.pk, user.role.name, credentials.pk, credentials.email, credentials.password)
    return own, joined, user.blacklisted, getattr(user, "session_live", None)


def test_compiled_lookup_matches_the_queryset_for_every_case():
    alice, bob = make_user("admin"), make_user("seller")
    session = Session.objects.create(user=alice)
    ended = Session.objects.create(user=alice)
    Session.objects.filter(pk=ended.pk).update(ended_at=ended.created_at)
    TokenBlacklist.objects.create(jti="revoked-jti", expires_at=session.created_at)
    User.objects.filter(pk=bob.pk).update(is_active=False)
    cases = [
        (alice.pk, "fresh-jti", None),
        (alice.pk, "revoked-jti", None),
        (bob.pk, "fresh-jti", None),  # inactive: no row
        (uuid.uuid4(), "fresh-jti", None),  # unknown
        (alice.pk, "fresh-jti", session.pk),
        (alice.pk, "fresh-jti", ended.pk),  # ended session: not live
        (alice.pk, "fresh-jti", uuid.uuid4()),
        (str(alice.pk), "revoked-jti", str(session.pk)),  # the token's claims are strings
    ]
    for user_id, jti, sid in cases:
        expected = snapshot(_active_user(user_id, jti, sid).first())
        compiled = ACTIVE_USER if sid is None else ACTIVE_USER_IN_SESSION
        values = {"user_id": user_id, "jti": jti} | ({} if sid is None else {"sid": sid})
        assert snapshot(compiled.first(**values)) == expected, (user_id, jti, sid)
    assert snapshot(ACTIVE_USER.first(user_id=alice.pk, jti="revoked-jti"))[2] is True
    assert snapshot(ACTIVE_USER_IN_SESSION.first(user_id=alice.pk, jti="x", sid=session.pk))[3] is True
    assert snapshot(ACTIVE_USER_IN_SESSION.first(user_id=alice.pk, jti="x", sid=ended.pk))[3] is False


def test_one_query_per_call_and_instances_are_saved_objects():
    user = make_user("customer")
    ACTIVE_USER.first(user_id=user.pk, jti="warm")  # compiles
    with CaptureQueriesContext(connection) as queries:
        found = ACTIVE_USER.first(user_id=user.pk, jti="j")
    assert len(queries) == 1
    assert found.pk == user.pk
    assert (found._state.adding, found._state.db) == (False, "default")
    found.first_name = "Renamed"
    found.save(update_fields=["first_name"])
    assert User.objects.get(pk=user.pk).first_name == "Renamed"


def test_a_value_that_is_not_a_query_parameter_is_refused():
    # A value Django writes into the SQL text (here: LIMIT) cannot be rebound.
    query = CompiledQuery(lambda n: User.objects.order_by("pk")[:n], n=int)
    with pytest.raises(ValueError, match="not bound as query parameters"):
        query.fetch(n=3)
