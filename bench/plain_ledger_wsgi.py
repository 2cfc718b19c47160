"""The app as served, without the stock-alert statement: the baseline of the alert/balance
overhead measured by bench/transfer_bench.py (same code, same database, same run).

The stock write then runs only its ``UPDATE`` of the rows (``ledger.write_rows_sql(alerts=False)``).
The balances are not removed: they are the quantities the locked rows already hold in memory and
go out in the movement's own ``INSERT`` (two more integer parameters, no statement of their own),
so there is nothing to take away. Used as ``Server.APP`` by the benchmark only, never in production.
"""

from natjoub.wsgi import application  # sets Django up; what granian serves


def _without_alerts() -> None:
    from inventory_app.services import ledger  # after Django is set up

    ledger.WRITE_ROWS_SQL = ledger.write_rows_sql(alerts=False)


_without_alerts()

__all__ = ["application"]
