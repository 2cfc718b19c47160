"""Input serializers (shape, types and the §6.0 field rules) and read-only output serializers."""

from __future__ import annotations

from rest_framework import serializers

from auth_app import validation as rules
from natjoub.api import contact_rules, fields
from natjoub.api.output import render_one


class DobField(fields.Text):
    """``YYYY-MM-DD`` and a real calendar date; one message for the whole rule."""

    def __init__(self, **kw):
        super().__init__(message=rules.DOB_MESSAGE, rule=rules.dob_problem, **kw)

    def to_internal_value(self, data):
        return rules.parse_dob(super().to_internal_value(data))


class GenderField(fields.Text):
    """``male``/``female``/``other`` in any case, stored lowercase."""

    def __init__(self, **kw):
        super().__init__(message=rules.GENDER_MESSAGE, rule=rules.gender_problem, **kw)

    def to_internal_value(self, data):
        return rules.parse_gender(super().to_internal_value(data))


def first_name_field(**kw):
    return fields.Text(message=rules.FIRST_NAME_MESSAGE, rule=rules.first_name_problem, **kw)


def last_name_field(**kw):
    return fields.Text(message=rules.LAST_NAME_MESSAGE, rule=rules.last_name_problem, **kw)


def username_field(**kw):
    return fields.Text(message=rules.USERNAME_MESSAGE, rule=rules.username_problem, **kw)


def phone_field(**kw):
    return fields.Text(message=contact_rules.PHONE_MESSAGE, rule=contact_rules.phone_problem, **kw)


def password_field(**kw):
    # blank passwords fail the policy rule, so the policy message covers them too
    return fields.Text(allow_blank=True, rule=rules.password_problem, **kw)


# -- input -----------------------------------------------------------------------------------
class RegisterInput(fields.InputSerializer):
    first_name = first_name_field()
    last_name = last_name_field()
    email = fields.Text(message=contact_rules.EMAIL_MESSAGE, rule=contact_rules.email_problem)
    password = password_field()
    role = fields.Text(allow_blank=True, help_text="seller or customer (case-insensitive)")
    username = username_field(required=False)
    phone_number = phone_field(required=False)
    dob = DobField(required=False)
    gender = GenderField(required=False)


def lookup_text(**kw):
    """A required string with no format checks (docs/api.md §6.2–§6.8): a blank value is simply one
    that matches nothing (401/404/400 of the route), not a validation error."""
    return fields.Text(allow_blank=True, **kw)


class LoginInput(fields.InputSerializer):
    identifier = lookup_text(help_text="E-mail (case-insensitive), username or phone number")
    password = lookup_text()


class VerifyOtpInput(fields.InputSerializer):
    identifier = lookup_text()
    otp = lookup_text()


class ResendOtpInput(fields.InputSerializer):
    identifier = lookup_text()


class ForgotPasswordInput(fields.InputSerializer):
    email = fields.Text(message=contact_rules.EMAIL_MESSAGE, rule=contact_rules.email_problem)


class ResetPasswordInput(fields.InputSerializer):
    token = lookup_text()
    new_password = password_field()


class RefreshTokenInput(fields.InputSerializer):
    refresh_token = lookup_text()


class ProfileUpdateInput(fields.InputSerializer):
    """All optional; absent or null = unchanged; other keys (email, password, role, …) are ignored."""

    first_name = first_name_field(required=False)
    last_name = last_name_field(required=False)
    dob = DobField(required=False)
    gender = GenderField(required=False)
    username = username_field(required=False)
    phone_number = phone_field(required=False)


class UserStatusInput(fields.InputSerializer):
    is_active = fields.Boolean()


# -- output ----------------------------------------------------------------------------------
class UserOutput(serializers.Serializer):
    """UserDTO (§6.0)."""

    id = serializers.UUIDField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    email = serializers.CharField(source="credentials.email", read_only=True)
    username = serializers.CharField(source="credentials.username", read_only=True, allow_null=True)
    phone_number = serializers.CharField(source="credentials.phone_number", read_only=True, allow_null=True)
    role = serializers.CharField(source="role.name", read_only=True)
    dob = serializers.DateField(read_only=True, allow_null=True)
    gender = serializers.CharField(read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True)
    is_verified = serializers.BooleanField(source="credentials.is_verified", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class ProfileOutput(serializers.Serializer):
    user = UserOutput(read_only=True)


class TokenOutput(serializers.Serializer):
    access_token = serializers.CharField(read_only=True)
    refresh_token = serializers.CharField(read_only=True)
    expires_in = serializers.IntegerField(read_only=True)


class AuthOutput(TokenOutput):
    user = UserOutput(read_only=True)


class MessageOutput(serializers.Serializer):
    message = serializers.CharField(read_only=True)


class DashboardOutput(serializers.Serializer):
    """The seller dashboard (docs/api.md §37.11); the figures come from the apps that own them."""

    total_bookings = serializers.IntegerField(read_only=True)
    active_listings = serializers.IntegerField(read_only=True)
    revenue = serializers.CharField(read_only=True, help_text="Money: two fraction digits")
    pending_orders = serializers.IntegerField(read_only=True)
    currency = serializers.CharField(read_only=True, help_text="ISO 4217 (setting CURRENCY)")
    days = serializers.IntegerField(read_only=True)


class SessionOutput(serializers.Serializer):
    """SessionResponse (docs/api.md §30)."""

    id = serializers.UUIDField(read_only=True)
    user_agent = serializers.CharField(read_only=True)
    ip_address = serializers.CharField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    last_used_at = serializers.DateTimeField(read_only=True)
    current = serializers.BooleanField(read_only=True, help_text="The session of the presented token")


class SessionsEndedOutput(serializers.Serializer):
    ended = serializers.IntegerField(read_only=True)


def user_payload(user) -> dict:
    return render_one(UserOutput, user)


def auth_payload(user, tokens: dict) -> dict:
    """AuthResponse: accessToken, refreshToken, user, expiresIn (in the contract's key order)."""
    return {
        "access_token": tokens["access_token"],
        "refresh_token": tokens["refresh_token"],
        "user": user_payload(user),
        "expires_in": tokens["expires_in"],
    }
