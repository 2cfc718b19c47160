"""HAProxy in front of the app nodes (Debian's ``haproxy``).

Each node is health-checked on ``/health/ready`` (with a Host header, as Django requires) every
second; two failures take it out, two successes bring it back. A request whose connection to a
node fails is sent to another node (``retries`` + ``redispatch``); a request a node accepted is
never sent twice (a POST may have taken effect). ``X-Served-By`` names the node that answered.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path

from natjoub.cluster.processes import Child, port_open, require_binary, wait_until


@dataclass
class HAProxy:
    directory: Path
    port: int
    nodes: list[tuple[str, int]]  # (name, port)
    bind: str = "127.0.0.1"
    child: Child | None = None
    stats_socket: Path = field(init=False)

    def __post_init__(self) -> None:
        self.stats_socket = self.directory / "haproxy.sock"

    def config(self) -> str:
        servers = "\n".join(f"    server {name} 127.0.0.1:{port} check" for name, port in self.nodes)
        return f"""\
global
    maxconn 4096
    stats socket {self.stats_socket} mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 10s
    timeout queue 10s
    # /health/ready gives the database 2 s: a check must be allowed longer than that
    timeout check 3s
    retries 3
    option redispatch 1
    option forwardfor

frontend api
    bind {self.bind}:{self.port}
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk
    http-check send meth GET uri /health/ready ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 2
    http-response set-header X-Served-By %s
{servers}
"""

    def start(self) -> None:
        binary = require_binary("haproxy", "haproxy")
        self.directory.mkdir(parents=True, exist_ok=True)
        config = self.directory / "haproxy.cfg"
        config.write_text(self.config())
        self.child = Child("haproxy", [binary, "-db", "-f", str(config)], self.directory / "haproxy.log")
        self.child.start()
        host = "127.0.0.1" if self.bind in ("0.0.0.0", "*", "") else self.bind  # noqa: S104
        wait_until(lambda: port_open(self.port, host), timeout=20, what="HAProxy", process=self.child)

    def stop(self) -> None:
        if self.child:
            self.child.stop(timeout=5)

    def command(self, line: str) -> str:
        """A line of HAProxy's runtime API (stats socket)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(str(self.stats_socket))
            sock.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server_states(self) -> dict[str, str]:
        """Node name -> HAProxy's status: ``UP``, ``DOWN``, or a transition such as ``UP 1/2``
        (still up, one failed check: going down) that is neither settled state."""
        lines = self.command("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        states = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(","), strict=False))
            if row.get("pxname") == "nodes" and row.get("svname") not in ("BACKEND", "FRONTEND"):
                states[row["svname"]] = row["status"]
        return states
