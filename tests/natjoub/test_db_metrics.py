"""The database metrics of django-prometheus, recorded by natjoub's backend with the labelled
children resolved once (natjoub/db/backend/base.py ``exporting_cursor_class``): same samples."""

import pytest
from django.db import DatabaseError, connection, transaction
from django_prometheus.db.metrics import errors_total, execute_many_total, execute_total, query_duration_seconds

pytestmark = pytest.mark.django_db


def value(metric, *labels) -> float:
    return metric.labels(*labels)._value.get()


def observed(alias: str) -> float:
    child = query_duration_seconds.labels(alias, connection.vendor)
    return sum(bucket.get() for bucket in child._buckets)


def test_statements_are_counted_and_timed():
    labels = (connection.alias, connection.vendor)
    before, timed = value(execute_total, *labels), observed(connection.alias)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.executemany("SELECT %s", [(1,), (2,), (3,)])
    assert value(execute_total, *labels) == before + 4
    assert observed(connection.alias) == timed + 2


def test_executemany_is_counted_per_parameter_set():
    labels = (connection.alias, connection.vendor)
    before = value(execute_many_total, *labels)
    with connection.cursor() as cursor:
        cursor.executemany("SELECT %s", [(1,), (2,)])
    assert value(execute_many_total, *labels) == before + 2


def test_errors_are_counted_by_exception_type():
    labels = (connection.alias, connection.vendor)
    name = "UndefinedTable"
    before = value(errors_total, *labels, name)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table_here")
    assert value(errors_total, *labels, name) == before + 1
