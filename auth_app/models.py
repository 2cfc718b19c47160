"""Accounts data in ``auth_schema`` (docs/api.md §22)."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from natjoub.db.models import CreatedAtModel, TimestampedModel


class RoleName(models.TextChoices):
    ADMIN = "admin", "Admin"
    SELLER = "seller", "Seller"
    CUSTOMER = "customer", "Customer"


class Gender(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    OTHER = "other", "Other"


class Role(TimestampedModel):
    """A user role; the name decides which route group a token may use."""

    name = models.CharField(max_length=50, unique=True)

    class Meta:
        db_table = '"auth_schema"."roles"'
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(models.Manager):
    use_in_migrations = True

    def get_by_natural_key(self, key):
        return self.get(pk=key)


class User(TimestampedModel):
    """A person. Sign-in data (e-mail, username, phone, password, OTP) lives in ``Credential``.

    This is ``AUTH_USER_MODEL``: it implements the interface Django's auth framework and admin
    use (``is_staff`` is true for the admin role only) without a password column of its own.
    """

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    dob = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=20, choices=Gender.choices, null=True, blank=True)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="users")
    is_active = models.BooleanField(default=True, db_index=True)
    # When every session of the user last ended (logout, reset, deactivation, revoke-all). Tokens
    # carrying a ``sid`` are refused through their session; this refuses the ``sid``-less tokens
    # minted before sessions existed that were issued before this second (docs/api.md §30).
    sessions_revoked_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "id"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        db_table = '"auth_schema"."users"'
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(gender__in=Gender.values) | models.Q(gender__isnull=True),
                name="users_gender_valid",
                violation_error_message="Gender must be one of: male, female, other",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    # -- the interface of Django's auth framework ------------------------------------------
    is_anonymous = False
    is_authenticated = True

    @property
    def role_name(self) -> str:
        return self.role.name

    @property
    def is_staff(self) -> bool:
        return self.is_active and self.role_name == RoleName.ADMIN

    @property
    def is_superuser(self) -> bool:
        return self.is_staff

    @property
    def email(self) -> str:
        return self.credentials.email

    def get_username(self) -> str:
        return self.email

    def natural_key(self):
        return (str(self.pk),)

    def get_full_name(self) -> str:
        return str(self)

    def get_short_name(self) -> str:
        return self.first_name

    def has_perm(self, perm, obj=None) -> bool:
        return self.is_staff

    def has_perms(self, perm_list, obj=None) -> bool:
        return self.is_staff

    def has_module_perms(self, app_label) -> bool:
        return self.is_staff

    def check_password(self, raw_password: str) -> bool:
        from django.contrib.auth.hashers import check_password

        return check_password(raw_password, self.credentials.password)

    def get_session_auth_hash(self) -> str:
        """Admin sessions end when the password or the role changes."""
        return salted_hmac(
            "natjoub.auth.session", f"{self.credentials.password}:{self.role_id}", algorithm="sha256"
        ).hexdigest()


class Credential(TimestampedModel):
    """How a user signs in: e-mail (unique case-insensitively), username, phone, password hash, OTP."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="credentials")
    email = models.CharField(max_length=255)
    username = models.CharField(max_length=100, unique=True, null=True, blank=True)
    phone_number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    password = models.CharField(max_length=255)
    otp_hash = models.CharField(max_length=64, null=True, blank=True)
    otp_expiry = models.DateTimeField(null=True, blank=True)
    otp_attempts = models.IntegerField(default=0)
    otp_sent_at = models.DateTimeField(null=True, blank=True)
    is_verified = models.BooleanField(default=False)

    class Meta:
        db_table = '"auth_schema"."credentials"'
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), name="credentials_email_lower_uniq", violation_error_message="Email already registered"
            )
        ]

    def __str__(self) -> str:
        return self.email


class Session(CreatedAtModel):
    """One sign-in (docs/api.md §30): login creates it, refresh rotation keeps it, and it ends at
    logout, reset, deactivation, revoke-all, reuse detection, or when its owner ends it. Access
    tokens carry its id (``sid``) and are refused once ``ended_at`` is set; a session whose last
    refresh token expired (``last_used_at`` older than the refresh lifetime) has ended too."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    user_agent = models.CharField(max_length=255, blank=True, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)  # inet
    last_used_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = '"auth_schema"."sessions"'
        ordering = ["-last_used_at", "id"]
        indexes = [
            models.Index(
                fields=["user", "-last_used_at"], condition=models.Q(ended_at__isnull=True), name="sessions_live_idx"
            )
        ]

    def __str__(self) -> str:
        return f"session {str(self.pk)[:8]} of {self.user_id}"


class RefreshToken(CreatedAtModel):
    """A refresh token, stored as the SHA-256 hex of the token (never the token itself)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="refresh_tokens")
    # null for tokens issued before sessions existed
    session = models.ForeignKey(Session, on_delete=models.CASCADE, null=True, blank=True, related_name="refresh_tokens")
    token = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)
    is_revoked = models.BooleanField(default=False)

    class Meta:
        db_table = '"auth_schema"."refresh_tokens"'
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"refresh token {self.token[:8]}… of {self.user_id}"


class TokenBlacklist(CreatedAtModel):
    """Access tokens ended by logout, by ``jti``, kept until they would have expired."""

    jti = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = '"auth_schema"."token_blacklist"'
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return self.jti


class PasswordResetToken(CreatedAtModel):
    """A single-use password reset token, stored as its SHA-256 hex."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_reset_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = '"auth_schema"."password_reset_tokens"'
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"reset token of {self.user_id}"
