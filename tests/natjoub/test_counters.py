"""Row counters kept by statement triggers (natjoub/db/counters.py): exact after inserts and
deletes of any size, inside the writer's transaction, and under concurrent writers."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from natjoub.db import counters

KEYS = ["'probe'", "'probe.group:' || r.grp", "CASE WHEN r.other IS NOT NULL THEN 'probe.group:' || r.other END"]


def install_probe_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS public.counter_probe (id serial PRIMARY KEY, grp text, other text)")
        for sql in (
            counters.insert_trigger_sql("counter_probe_ins", "public.counter_probe", KEYS)[0],
            counters.delete_trigger_sql("counter_probe_del", "public.counter_probe", KEYS)[0],
            counters.truncate_trigger_sql("counter_probe_trunc", "public.counter_probe", "probe")[0],
        ):
            cursor.execute(sql)


def drop_probe_table() -> None:
    with connection.cursor() as cursor:
        for sql in (
            counters.insert_trigger_sql("counter_probe_ins", "public.counter_probe", KEYS)[1],
            counters.delete_trigger_sql("counter_probe_del", "public.counter_probe", KEYS)[1],
            counters.truncate_trigger_sql("counter_probe_trunc", "public.counter_probe", "probe")[1],
        ):
            cursor.execute(sql)
        cursor.execute("DROP TABLE IF EXISTS public.counter_probe")
        cursor.execute(f"DELETE FROM {counters.TABLE} WHERE counter LIKE 'probe%'")  # noqa: S608


def insert(rows: list[tuple[str, str | None]], using: str = "default") -> None:
    with connections[using].cursor() as cursor:
        cursor.executemany("INSERT INTO public.counter_probe (grp, other) VALUES (%s, %s)", rows)


@pytest.mark.django_db
def test_inserts_and_deletes_keep_every_counter_exact():
    install_probe_table()
    insert([("a", None), ("a", "b"), ("b", None)])
    with connection.cursor() as cursor:  # one statement of many rows
        cursor.execute("INSERT INTO public.counter_probe (grp) SELECT 'c' FROM generate_series(1, 500)")
    assert counters.total("probe") == 503
    assert counters.total("probe.group:a") == 2
    assert counters.total("probe.group:b") == 2  # a row counts in each group it names
    assert counters.total("probe.group:c") == 500
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM public.counter_probe WHERE grp = 'c' AND id % 2 = 0")
        cursor.execute("SELECT count(*) FROM public.counter_probe")
        assert counters.total("probe") == cursor.fetchone()[0] == 253
    assert counters.total("probe.group:c") == 250
    assert counters.total("never.bumped") == 0


@pytest.mark.django_db
def test_truncate_drops_the_tables_counters_and_no_other():
    install_probe_table()
    insert([("a", "b")])
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {counters.TABLE} (counter, slot, n) VALUES ('probes', 0, 7)")  # noqa: S608
        cursor.execute("TRUNCATE public.counter_probe")  # fires no delete trigger
    assert [counters.total(name) for name in ("probe", "probe.group:a", "probe.group:b")] == [0, 0, 0]
    assert counters.total("probes") == 7  # another counter that merely starts alike
    insert([("a", None)])
    assert (counters.total("probe"), counters.total("probe.group:a")) == (1, 1)


@pytest.mark.django_db
def test_a_rolled_back_insert_leaves_the_counters_alone():
    install_probe_table()
    insert([("a", None)])
    seen_inside = []

    def insert_then_fail() -> None:
        with transaction.atomic():
            insert([("a", None), ("a", None)])
            seen_inside.append(counters.total("probe.group:a"))  # the writer sees its own rows counted
            raise RuntimeError

    with pytest.raises(RuntimeError):
        insert_then_fail()
    assert seen_inside == [3]
    assert counters.total("probe.group:a") == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_deadlock_and_the_totals_are_exact():
    install_probe_table()
    try:
        errors: list[BaseException] = []
        barrier = threading.Barrier(8)

        def writer(n: int) -> None:
            try:
                barrier.wait(timeout=10)
                for i in range(40):
                    with transaction.atomic():  # two counter keys per statement, in varying orders
                        insert([("hot", f"g{(n + i) % 3}"), (f"g{i % 3}", "hot")])
            except BaseException as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert counters.total("probe") == 8 * 40 * 2
        assert counters.total("probe.group:hot") == 8 * 40 * 2
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(DISTINCT slot) FROM {counters.TABLE} WHERE counter = 'probe'")  # noqa: S608
            assert cursor.fetchone()[0] > 1  # the hot counter is spread over slots
    finally:
        drop_probe_table()
