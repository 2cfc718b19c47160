"""One-time codes (docs/api.md §6.3, §7): CSPRNG, stored only as HMAC-SHA256(JWT_SECRET, code)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings

OTP_LIFETIME = timedelta(minutes=10)
OTP_MAX_ATTEMPTS = 5
OTP_RESEND_COOLDOWN = timedelta(seconds=60)


def generate_otp() -> str:
    """Uniform over 000000–999999."""
    return f"{secrets.randbelow(10**6):06d}"


def otp_hash(code: str) -> str:
    return hmac.new(settings.JWT_SECRET.encode(), code.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def otp_matches(code: str, stored_hash: str) -> bool:
    return hmac.compare_digest(otp_hash(code), stored_hash)
