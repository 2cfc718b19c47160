"""Revocation at once on every node while the replicas lag (docs/api.md §35 on §32): replay is
paused on every replica (``pg_wal_replay_pause()``), a session is ended through the API and another
through the back office, and each ended session's access token is refused (401) by every node;
the user's third session keeps working everywhere.

The nodes run with ``DATABASE_REPLICA_MAX_LAG_SECONDS=3600`` for this test, so the paused replicas
stay in use for reads (with the default 5 s they would soon be skipped as lagging, and the test
would prove nothing). The back-office path is the one the per-caller read-your-writes marks do
not cover: the admin's request marks the admin, not the user whose session it ends. Before §35 the
bearer lookup read a replica and that token kept working until replay resumed; now every request
requires its replica to have replayed the latest revocation (docs/api.md §32.1)."""

from __future__ import annotations

import http.client
import re
import uuid
from urllib.parse import urlencode

import jwt

from tests.cluster.client import Client, fresh_address
from tests.cluster.conftest import connect, wait_for

PROBE = "/api/v1/inventory/branches"  # any role may read it; its data comes from a replica
PASSWORD = "N3w!Secret-Pass"


def replayed_everything(cluster) -> bool:
    with connect(cluster.postgres.primary) as conn:
        target = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
    for replica in cluster.postgres.replicas:
        with connect(replica) as conn:
            if not conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()[0]:
                return False
    return True


def on_every_replica(cluster, sql: str) -> None:
    for replica in cluster.postgres.replicas:
        with connect(replica) as conn:
            conn.execute(sql)


def sid_of(token: str) -> str:
    return jwt.decode(token, options={"verify_signature": False})["sid"]


class BackOffice:
    """The Django admin of one node, signed in as an admin: cookies and the CSRF token by hand."""

    def __init__(self, port: int) -> None:
        self.port, self.source, self.cookies = port, fresh_address(), {}

    def _send(self, method: str, path: str, form: dict | None = None) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(self.source, 0))
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode({**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                match = re.match(r"([^=]+)=([^;]*)", value)
                if match:
                    self.cookies[match[1]] = match[2]
        conn.close()
        return response

    def sign_in(self, email: str, password: str) -> BackOffice:
        assert self._send("GET", "/admin/login/").status == 200
        response = self._send("POST", "/admin/login/", {"username": email, "password": password, "next": "/admin/"})
        assert response.status == 302, response.status
        assert self.cookies.get("sessionid"), "not signed in"
        return self

    def end_session(self, session_id: str) -> None:
        response = self._send(
            "POST", "/admin/auth_app/session/", {"action": "end_sessions", "_selected_action": session_id}
        )
        assert response.status == 302, response.status


def registered_user(cluster) -> str:
    email = f"lag-{uuid.uuid4().hex[:10]}@example.com"
    body = {"firstName": "Lag", "lastName": "Test", "email": email, "password": PASSWORD, "role": "customer"}
    registered = Client(cluster.port).post("/api/v1/auth/register", body)
    assert registered.status == 201, registered.body
    return email


def test_ended_sessions_are_refused_by_every_node_while_every_replica_lags(cluster):
    restore = dict(cluster.app_settings)
    cluster.restart_nodes({**restore, "DATABASE_REPLICA_MAX_LAG_SECONDS": "3600"})
    paused = False
    try:
        # two users, two sessions each: one session of each is ended, the other must keep working.
        # Separate users: the API request marks its own user for read-your-writes, which would
        # send the other user's reads to the primary too and hide the back-office case.
        api_user, office_user = registered_user(cluster), registered_user(cluster)
        api_ended, api_kept = (Client(cluster.port).login(api_user, PASSWORD) for _ in range(2))
        office_ended, office_kept = (Client(cluster.port).login(office_user, PASSWORD) for _ in range(2))
        office = BackOffice(cluster.nodes[1].port).sign_in("admin@example.com", "admin123")
        nodes = [Client(node.port) for node in cluster.nodes]
        devices = (api_ended, api_kept, office_ended, office_kept)

        wait_for(lambda: replayed_everything(cluster), what="replicas caught up")
        for node in nodes:
            for device in devices:
                assert node.get(PROBE, headers={"Authorization": f"Bearer {device.token}"}).status == 200

        on_every_replica(cluster, "SELECT pg_wal_replay_pause()")
        paused = True
        # through the API: a device ends another session of its user
        ended = api_kept.request("DELETE", f"/api/v1/customer/auth/sessions/{sid_of(api_ended.token)}")
        assert ended.status == 200, ended.body
        # through the back office: an admin ends a session of the other user
        office.end_session(sid_of(office_ended.token))
        assert not replayed_everything(cluster), "a replica replayed the ends: the test proves nothing"

        for node, name in zip(nodes, (n.name for n in cluster.nodes), strict=True):
            for device, what in ((api_ended, "API"), (office_ended, "back office")):
                answer = node.get(PROBE, headers={"Authorization": f"Bearer {device.token}"})
                assert answer.status == 401, f"{name}: a session ended through the {what} still works"
            for device in (api_kept, office_kept):
                assert node.get(PROBE, headers={"Authorization": f"Bearer {device.token}"}).status == 200, name
        assert not replayed_everything(cluster)  # still lagging when every node answered
    finally:
        if paused:
            on_every_replica(cluster, "SELECT pg_wal_replay_resume()")
        cluster.restart_nodes(restore)
