"""Stock alerts under real parallel requests (docs/api.md §29a): 20 OUTs cross the reorder level at
once, one alert opens, and each recipient gets exactly one e-mail over a real SMTP connection."""

from __future__ import annotations

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import override_settings

from auth_app.models import RoleName
from inventory_app import services
from inventory_app.models import AlertStatus, StockAlert
from tests.auth_app.test_email_smtp import Inbox, free_port
from tests.factories import make_branch, make_item, make_user, stock
from tests.inventory_app.conftest import BASE
from tests.inventory_app.test_concurrency import run_parallel

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


@pytest.fixture
def smtp_sink():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    with override_settings(MAILERS=mailers):
        yield inbox
    controller.stop()


def test_twenty_parallel_outs_open_one_alert_and_mail_each_recipient_once(smtp_sink):
    item, branch, other = make_item("HOT", reorder_level=50), make_branch("WH", "Warehouse"), make_branch("ST")
    stock(item, branch, 100)
    admin = make_user(RoleName.ADMIN, email="boss@example.com")
    here = make_user(RoleName.SELLER, email="here@example.com")
    there = make_user(RoleName.SELLER, email="there@example.com")
    services.assignment_create(branch_id=branch.pk, user_id=here.pk, created_by=admin.pk)
    services.assignment_create(branch_id=other.pk, user_id=there.pk, created_by=admin.pk)
    body = {"inventoryItemId": str(item.pk), "movementType": "OUT", "quantity": 3, "fromBranchId": str(branch.pk)}

    responses = run_parallel(20, lambda i, client: client.post(f"{BASE}/movements", body, format="json"))

    assert [r.status_code for r in responses] == [201] * 20  # 100 - 60 = 40 <= 50: the level is crossed
    [alert] = StockAlert.objects.all()
    assert (alert.status, alert.reorder_level_at_open) == (AlertStatus.OPEN, 50)
    assert 48 <= alert.available_at_open <= 50  # the first movement at or below the level opened it
    recipients = [message["To"] for message in smtp_sink.messages]
    assert len(recipients) == len(set(recipients))  # once each
    # the admin, the seller assigned here, the 20 acting sellers (all-branches grants); not the
    # seller of the other branch (docs/api.md §36)
    assert {"boss@example.com", "here@example.com"} <= set(recipients)
    assert "there@example.com" not in recipients
    assert len(recipients) == 22
    assert {message["Subject"] for message in smtp_sink.messages} == {"Low stock: HOT at Warehouse"}
    call_command("reconcile_stock")
