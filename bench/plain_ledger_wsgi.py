"""The app as served, without the stock-alert statement: the baseline of the alert/balance
overhead measured by bench/transfer_bench.py (same code, same database, same run).

The stock write then runs only its ``UPDATE`` of the rows (``inventory_app.sql.write_rows(alerts=False)``).
The balances are not removed: they are the quantities the locked rows already hold in memory and
go out in the movement's own ``INSERT`` (two more integer parameters, no statement of their own),
so there is nothing to take away. Used as ``Server.APP`` by the benchmark only, never in production.
"""

from natjoub.wsgi import application  # sets Django up; what granian serves


def _without_alerts() -> None:
    from inventory_app import sql as statements  # after Django is set up

    statements.WRITE_ROWS = statements.write_rows(alerts=False)


_without_alerts()

__all__ = ["application"]
