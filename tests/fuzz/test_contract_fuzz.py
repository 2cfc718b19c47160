"""Contract fuzzing: schemathesis generates requests from our own OpenAPI schema and checks that
no response is a 5xx and that every response matches the schema (status code, content type,
body). Runs for every operation with an admin, a seller and a customer token."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections as django_close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from auth_app.tokens import issue_access_token
from natjoub.db import request_connections
from natjoub.wsgi import application
from tests.factories import make_user

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# Loaded at collection through the WSGI app (pytest-django has configured Django by then); the
# schema endpoint needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture(autouse=True)
def _keep_test_connection(monkeypatch):
    """The WSGI calls run inside the test's transaction: like Django's test client, keep the
    request signals from closing the connection after each call. The project's receivers
    (natjoub/db/request_connections.py, which replace Django's) call its ``close_old_connections``,
    made a no-op here; Django's own receiver, which the test client connects again after each of
    its requests, is disconnected."""
    monkeypatch.setattr(request_connections, "close_old_connections", lambda sender=None, **kwargs: None)
    removed = [
        signal for signal in (request_started, request_finished) if signal.disconnect(django_close_old_connections)
    ]
    yield
    for signal in removed:
        signal.connect(django_close_old_connections)


@pytest.fixture
def role_headers(db):
    """One bearer header per role: every generated request is sent as each of them."""
    return [
        {"Authorization": f"Bearer {issue_access_token(make_user(role))}"} for role in ("admin", "seller", "customer")
    ]


@schema.parametrize()
def test_every_operation_conforms(case, role_headers):
    for headers in role_headers:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)
