"""Finding 8: security events are attributable (docs/api.md §21, §30). One JSON audit line per event
on ``natjoub.audit`` (no raw identifiers, passwords or tokens), ``user_id`` in the access log,
back-office actions in the admin's change history, ``django.request`` errors with tracebacks."""

from __future__ import annotations

import json
import logging

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from auth_app.models import RoleName
from natjoub.logging import JsonFormatter
from tests.auth_app.conftest import STRONG_PASSWORD, post, reset_token_from_outbox
from tests.conftest import bearer_client
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit_lines(caplog, django_capture_on_commit_callbacks):
    """The audit records of the block, as the JSON lines the log handler would write."""

    class Lines(list):
        def events(self) -> list[str]:
            return [line["event"] for line in self]

    class Capture:
        def __enter__(self):
            self.lines = lines = Lines()
            self.start = len(caplog.records)
            self.level = caplog.at_level(logging.INFO, logger="natjoub.audit")
            self.level.__enter__()
            self.commits = django_capture_on_commit_callbacks(execute=True)
            self.commits.__enter__()
            return lines

        def __exit__(self, *exc):
            self.commits.__exit__(*exc)
            self.level.__exit__(*exc)
            formatter = JsonFormatter()
            new = caplog.records[self.start :]
            self.lines[:] = [json.loads(formatter.format(r)) for r in new if r.name == "natjoub.audit"]

    return Capture()


def test_sign_in_events_carry_actor_and_a_hashed_identifier(client, audit_lines):
    user = make_user(RoleName.SELLER, email="Audited@Example.com")
    with audit_lines as lines:
        post(client, "/api/v1/auth/login", {"identifier": "audited@example.com", "password": "wrong"})
        ok = post(client, "/api/v1/auth/login", {"identifier": "Audited@Example.com", "password": DEFAULT_PASSWORD})
        token = ok.json()["data"]["accessToken"]
        client.post("/api/v1/seller/auth/logout", HTTP_AUTHORIZATION=f"Bearer {token}")
    from natjoub.audit import identifier_hash

    assert lines.events() == ["login.failure", "login.success", "sessions.ended"]
    failure, success, logout = lines
    assert failure["identifier_hash"] == identifier_hash(" AUDITED@example.com ")  # trimmed, case-folded
    assert (success["actor_id"], success["target_id"]) == (str(user.pk), str(user.pk))
    assert success["session_id"]
    assert (logout["actor_id"], logout["reason"], logout["sessions"]) == (str(user.pk), "logout", 1)
    text = json.dumps(list(lines)).lower()
    for secret in ("audited@example.com", "wrong", DEFAULT_PASSWORD.lower(), token.lower()):
        assert secret not in text
    assert all(line["request_id"] != "-" for line in lines)


def test_password_reset_events(client, audit_lines):
    user = make_user(RoleName.CUSTOMER, email="forgetful@example.com")
    with audit_lines as lines:
        post(client, "/api/v1/auth/forgot-password", {"email": "forgetful@example.com"})
        post(client, "/api/v1/auth/forgot-password", {"email": "nobody@example.com"})
    token = reset_token_from_outbox()
    from natjoub.audit import identifier_hash

    with audit_lines as more:
        post(client, "/api/v1/auth/reset-password", {"token": token, "newPassword": STRONG_PASSWORD})
    assert [(x["event"], x["target_id"], x.get("sent")) for x in lines] == [
        ("password_reset.requested", str(user.pk), True),
        ("password_reset.requested", None, False),
    ]
    assert lines[1]["identifier_hash"] == identifier_hash("nobody@example.com")
    assert [x["event"] for x in more][-2:] == ["sessions.ended", "password_reset.completed"]
    assert token not in json.dumps(list(lines) + list(more))


def test_status_change_names_actor_and_target(admin_client, admin_user, audit_lines):
    target = make_user(RoleName.SELLER)
    with audit_lines as lines:
        admin_client.put(
            f"/api/v1/admin/auth/users/{target.pk}/status", {"isActive": False}, content_type="application/json"
        )
    changed = next(line for line in lines if line["event"] == "user.status_changed")
    assert (changed["actor_id"], changed["target_id"], changed["is_active"]) == (
        str(admin_user.pk),
        str(target.pk),
        False,
    )
    ended = next(line for line in lines if line["event"] == "sessions.ended")
    assert (ended["actor_id"], ended["reason"]) == (str(admin_user.pk), "deactivated")


def test_branch_assignment_changes_name_actor_target_and_branch(admin_client, admin_user, audit_lines):
    from tests.factories import make_branch

    seller, branch = make_user(RoleName.SELLER), make_branch("AUD")
    url = f"/api/v1/inventory/branches/{branch.pk}/staff/{seller.pk}"
    with audit_lines as lines:
        assert admin_client.put(url).status_code == 200
        assert admin_client.put(url).status_code == 200  # already assigned: no change, no event
        assert admin_client.delete(url).status_code == 200
        assert admin_client.delete(url).status_code == 404  # nothing removed: no event
    assert lines.events() == ["branch_assignment.created", "branch_assignment.deleted"]
    for line in lines:
        assert (line["actor_id"], line["target_id"], line["branch_id"]) == (
            str(admin_user.pk),
            str(seller.pk),
            str(branch.pk),
        )


def test_access_log_names_the_user(caplog, admin_user):
    client = bearer_client(admin_user)
    with caplog.at_level(logging.INFO, logger="natjoub.access"):
        client.get("/api/v1/admin/auth/profile")
        Client().get("/api/v1/admin/auth/profile")
        back_office = Client()
        back_office.force_login(admin_user)
        back_office.get("/admin/")
    records = [r for r in caplog.records if r.name == "natjoub.access"]
    assert [(r.status, r.user_id) for r in records] == [
        (200, str(admin_user.pk)),
        (401, None),
        (200, str(admin_user.pk)),
    ]


def test_back_office_actions_are_in_the_change_history(admin_user):
    back_office = Client()
    back_office.force_login(admin_user)
    target = make_user(RoleName.SELLER)
    response = back_office.post(
        "/admin/auth_app/user/", {"action": "deactivate_users", "_selected_action": [str(target.pk)]}
    )
    assert response.status_code == 302
    entry = LogEntry.objects.get(object_id=str(target.pk))
    assert (entry.user_id, entry.get_change_message()) == (admin_user.pk, "Deactivated (sessions ended)")


@pytest.mark.urls("tests.natjoub.probe_urls")
def test_unexpected_errors_keep_their_traceback(caplog):
    """django.request was silenced (CRITICAL): a plain view's crash left no traceback anywhere."""
    with caplog.at_level(logging.INFO):
        response = Client(raise_request_exception=False).get("/api/v1/plain/500")
        Client().get("/api/v1/nope")  # a 404: the access log has it, django.request adds nothing
    assert response.status_code == 500
    logged = [r for r in caplog.records if r.name == "django.request"]
    assert len(logged) == 1
    assert logged[0].levelname == "ERROR"
    assert logged[0].exc_info is not None
    assert "secret internals" in JsonFormatter().format(logged[0])  # the traceback, in the log only


def test_seller_grant_changes_name_actor_target_and_all(admin_client, admin_user, audit_lines):
    """docs/api.md §36: a grant and its removal are audit events (branch ``all``)."""
    seller = make_user(RoleName.SELLER)
    url = f"/api/v1/inventory/sellers/{seller.pk}/access/all-branches"
    with audit_lines as lines:
        assert admin_client.put(url).status_code == 200
        assert admin_client.put(url).status_code == 200  # already granted: no change, no event
        assert admin_client.delete(url).status_code == 200
        assert admin_client.delete(url).status_code == 404  # nothing removed: no event
    assert lines.events() == ["seller_grant.created", "seller_grant.deleted"]
    for line in lines:
        assert (line["actor_id"], line["target_id"], line["branch_id"]) == (str(admin_user.pk), str(seller.pk), "all")


def test_assignments_removed_with_their_branch_are_audited(admin_client, admin_user, audit_lines):
    """They used to vanish through the foreign key's cascade, silently (docs/api.md §36)."""
    from inventory_app.models import BranchAssignment
    from tests.factories import make_branch

    branch = make_branch("GONE")
    sellers = sorted((make_user(RoleName.SELLER) for _ in range(2)), key=lambda user: user.pk)
    for seller in sellers:
        BranchAssignment.objects.create(user=seller, branch=branch)
    with audit_lines as lines:
        assert admin_client.delete(f"/api/v1/inventory/branches/{branch.pk}").status_code == 200
    assert lines.events() == ["branch_assignment.deleted"] * 2
    assert [(line["actor_id"], line["target_id"], line["branch_id"], line["reason"]) for line in lines] == [
        (str(admin_user.pk), str(seller.pk), str(branch.pk), "branch_deleted") for seller in sellers
    ]


def test_access_removed_with_its_user_is_audited(admin_client, admin_user, audit_lines):
    """Deleting a seller removes its grant and assignments explicitly, each an audit event."""
    from inventory_app.models import BranchAssignment, SellerGrant
    from tests.factories import make_branch, make_seller

    branch = make_branch("USR")
    seller = make_seller(branches=[branch])
    with audit_lines as lines:
        assert admin_client.delete(f"/api/v1/admin/auth/users/{seller.pk}").status_code == 200
    assert not SellerGrant.objects.exists()
    assert not BranchAssignment.objects.exists()
    removed = [(line["event"], line["branch_id"], line["reason"]) for line in lines if "reason" in line]
    assert removed == [
        ("branch_assignment.deleted", str(branch.pk), "user_deleted"),
        ("seller_grant.deleted", "all", "user_deleted"),
    ]
    assert all(line["actor_id"] == str(admin_user.pk) for line in lines if "reason" in line)
