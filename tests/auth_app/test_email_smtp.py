"""E-mail over a real SMTP connection (docs/api.md §7): register, read the OTP, verify with it."""

import socket
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.test import override_settings

from tests.auth_app.conftest import RESET_LINE_RE, post, register_body

pytestmark = pytest.mark.django_db(transaction=True)  # real commits: mail goes out on_commit


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    with override_settings(MAILERS=mailers):
        yield inbox
    controller.stop()


def body_of(message) -> str:
    parsed = message_from_bytes(message.as_bytes(), policy=default_policy)
    return parsed.get_body(preferencelist=("plain",)).get_content()


def test_register_and_verify_with_the_code_received_over_smtp(client, smtp):
    assert post(client, "/api/v1/auth/register", register_body()).status_code == 201
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["Subject"] == "Your NatJoub verification code"
    assert message["To"] == "john@example.com"
    assert message["From"] == "noreply@natjoub.local"
    import re

    codes = re.findall(r"(?<!\d)\d{6}(?!\d)", body_of(message))
    assert len(codes) == 1
    response = post(client, "/api/v1/auth/verify-otp", {"identifier": "john@example.com", "otp": codes[0]})
    assert response.status_code == 200
    assert response.json()["data"] == {"message": "Account verified successfully"}


def test_password_reset_token_over_smtp(client, smtp):
    assert post(client, "/api/v1/auth/register", register_body()).status_code == 201
    assert post(client, "/api/v1/auth/forgot-password", {"email": "JOHN@example.com"}).status_code == 200
    message = smtp.messages[-1]
    assert message["Subject"] == "NatJoub password reset"
    token = RESET_LINE_RE.search(body_of(message))[1]
    response = post(client, "/api/v1/auth/reset-password", {"token": token, "newPassword": "Fresh!Passw0rd"})
    assert response.status_code == 200
    login = post(client, "/api/v1/auth/login", {"identifier": "johndoe", "password": "Fresh!Passw0rd"})
    assert login.status_code == 200


def test_unreachable_smtp_server_changes_nothing(client):
    port = free_port()  # nothing listens there
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
        }
    }
    with override_settings(MAILERS=mailers):
        assert post(client, "/api/v1/auth/register", register_body()).status_code == 201
        assert post(client, "/api/v1/auth/forgot-password", {"email": "john@example.com"}).status_code == 200
