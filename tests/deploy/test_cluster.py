"""`make cluster` (natjoub/cluster): what it exposes (docs/api.md §35, row "§32 deployment files").

Its nodes run in development mode, whose JWT secret is in the repository: HAProxy listens on
127.0.0.1 unless ``HOST`` says otherwise, and Valkey requires a password generated per run."""

from __future__ import annotations

import pytest
import redis

from natjoub.cluster.__main__ import parse_args
from natjoub.cluster.haproxy import HAProxy
from natjoub.cluster.topology import Topology
from natjoub.cluster.valkey import Valkey


def _bind_lines(config: str) -> list[str]:
    return [line.strip() for line in config.splitlines() if line.strip().startswith("bind ")]


def test_make_cluster_listens_on_localhost_unless_host_is_set(monkeypatch, tmp_path):
    monkeypatch.delenv("HOST", raising=False)
    args = parse_args(["--port", "18080"])
    assert args.bind == "127.0.0.1"
    topology = Topology(tmp_path, args.port, bind=args.bind)
    assert topology.bind == "127.0.0.1"
    assert Topology(tmp_path, 18080).bind == "127.0.0.1"  # the class default too (tests, bench)
    haproxy = HAProxy(tmp_path, args.port, [("node1", 18081)], topology.bind)
    assert _bind_lines(haproxy.config()) == ["bind 127.0.0.1:18080"]


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10"])  # noqa: S104 - the explicit opt-in
def test_make_cluster_binds_where_host_says(monkeypatch, host):
    monkeypatch.setenv("HOST", host)
    assert parse_args([]).bind == host
    assert parse_args(["--bind", "127.0.0.2"]).bind == "127.0.0.2"


def test_cluster_valkey_requires_its_per_run_password(tmp_path):
    first, second = Valkey(tmp_path / "a"), Valkey(tmp_path / "b")
    assert first.password != second.password
    assert len(first.password) >= 24
    assert first.url == f"redis://:{first.password}@127.0.0.1:{first.port}/0"
    first.start()
    try:
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(host="127.0.0.1", port=first.port, socket_timeout=5).ping()
        assert redis.Redis.from_url(first.url, socket_timeout=5).ping() is True
    finally:
        first.stop()
