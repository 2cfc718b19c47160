"""Stock alerts (docs/api.md §29a): opened and resolved in the transaction of the change.

The rule, for a stock row of an active item at an active branch: available ≤ reorder level and no
OPEN alert → open one; available > reorder level (or the item or branch inactive) and an OPEN
alert → resolve it. It is one piece of SQL (``inventory_app.sql.alert_ctes``) appended to the
statement that writes the stock rows (services.ledger), or run over the rows of an item or a
branch whose reorder level or active flag changed (``alerts_sync``). At most one OPEN alert per
(item, branch) is guaranteed by a partial unique index; the insert uses it (``ON CONFLICT …
WHERE status = 'OPEN' DO NOTHING``), so two transactions can never both open one.

Opening an alert e-mails every active admin and every active seller with access to the branch
(a grant or an assignment: inventory_app.selectors.access, docs/api.md §36), one
message per recipient per alert, after commit only (docs/api.md §7: a delivery failure is logged
and changes nothing).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from inventory_app import sql as statements
from inventory_app.models import StockAlert
from inventory_app.selectors.access import staff_emails_for_branches

logger = logging.getLogger("inventory_app.alerts")

SUBJECT = "Low stock: {sku} at {branch}"


def alerts_sync(
    *,
    inventory_item_id: uuid.UUID | None = None,
    branch_id: uuid.UUID | None = None,
    pairs: Iterable[tuple[uuid.UUID, uuid.UUID]] | None = None,
    now: datetime | None = None,
    notify: bool = True,
) -> list[uuid.UUID]:
    """Open and resolve the alerts of every stock row of an item, of a branch, or of the given
    (item, branch) pairs, in the caller's transaction; returns the ids of the alerts opened.

    The rows are locked (``FOR UPDATE``, primary-key order) first, so a concurrent stock change of
    the same rows waits for this transaction (or this one for it) and the rule is evaluated on
    committed values. Callers hold the item or branch row lock already (item/branch updates), which
    stock writes take ``FOR KEY SHARE`` before their row locks: the lock order is the same."""
    params = {"now": now or timezone.now()}
    if inventory_item_id is not None:
        params["item"] = inventory_item_id
    if branch_id is not None:
        params["branch"] = branch_id
    if pairs is not None:
        pairs = list(pairs)
        if not pairs:
            return []
        params["items"] = [item for item, _ in pairs]
        params["branches"] = [branch for _, branch in pairs]
    statement = statements.alerts_sync(
        item=inventory_item_id is not None, branch=branch_id is not None, pairs=pairs is not None
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        opened = [row[0] for row in cursor.fetchall()]
    if notify:
        notify_after_commit(opened)
    return opened


# -- e-mail -----------------------------------------------------------------------------------
def notify_after_commit(alert_ids: list[uuid.UUID]) -> None:
    # Not yet through the mail outbox (docs/architecture.md §3.12), which the order mails use:
    # moving these is a change of the stock write path, left to its own task.
    if alert_ids:
        transaction.on_commit(lambda: send_alert_emails(alert_ids))


def send_alert_emails(alert_ids: list[uuid.UUID]) -> int:
    """One e-mail per recipient per alert; returns how many were handed to the mail transport.
    A failure is logged and swallowed (the change that opened the alert is committed)."""
    try:
        alerts = list(StockAlert.objects.filter(pk__in=alert_ids).select_related("inventory_item", "branch"))
        recipients_at = staff_emails_for_branches({alert.branch_id for alert in alerts})
        messages = []
        for alert in alerts:
            subject = SUBJECT.format(sku=alert.inventory_item.sku, branch=alert.branch.name)
            body = render_to_string("emails/stock_alert.txt", {"alert": alert})
            recipients = recipients_at[alert.branch_id]
            messages += [
                EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient]) for recipient in recipients
            ]
        if messages:
            return mailers.default.send_messages(messages) or 0
    except Exception as exc:  # any delivery problem is logged and swallowed (docs/api.md §7)
        logger.warning("stock alert e-mail delivery failed: %s", type(exc).__name__)
    return 0
