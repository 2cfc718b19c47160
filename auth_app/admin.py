"""Accounts in the back office. Writes that have rules (activation, deactivation, deletion, token
revocation, password reset) go through the services, so the admin site obeys the API's rules (last
active admin, sessions ended on deactivation, the same reset token and e-mail as the API)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import logout
from django.contrib.auth.models import Group
from django.db.models import QuerySet

from auth_app import services
from auth_app.models import Credential, RefreshToken, Role, Session, User
from natjoub.admin.readonly import ReadOnlyAdmin, ReadOnlyMixin
from natjoub.api.errors import ApplicationError


@admin.register(Role)
class RoleAdmin(ReadOnlyAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)
    ordering = ("name",)


class CredentialInline(ReadOnlyMixin, admin.StackedInline):
    """Sign-in data of the user, read-only; the password hash and OTP state are never shown."""

    model = Credential
    can_delete = False
    extra = 0
    max_num = 1
    fields = ("email", "username", "phone_number", "is_verified", "otp_attempts", "otp_sent_at", "updated_at")
    readonly_fields = fields


class SessionInline(ReadOnlyMixin, admin.TabularInline):
    """The user's sign-ins (docs/api.md §30), newest use first; end them from the Sessions page."""

    model = Session
    extra = 0
    fields = ("short_id", "user_agent", "ip_address", "created_at", "last_used_at", "ended_at")
    readonly_fields = fields
    ordering = ("-last_used_at", "id")
    verbose_name_plural = "Sessions (end one from the Sessions page: select it, action 'End selected sessions')"

    @admin.display(description="Session")
    def short_id(self, obj: Session) -> str:
        return str(obj.pk)[:8]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("full_name", "email", "role", "is_verified", "is_active", "created_at")
    list_display_links = ("full_name", "email")
    list_filter = ("role", "is_active", ("credentials__is_verified", admin.BooleanFieldListFilter))
    search_fields = (
        "first_name",
        "last_name",
        "credentials__email",
        "credentials__username",
        "credentials__phone_number",
    )
    list_select_related = ("role", "credentials")
    ordering = ("created_at", "id")
    fields = (
        "first_name", "last_name", "dob", "gender", "role", "is_active", "sessions_revoked_at", "created_at",
        "updated_at",
    )  # fmt: skip
    readonly_fields = ("role", "is_active", "sessions_revoked_at", "created_at", "updated_at")
    inlines = (CredentialInline, SessionInline)
    actions = ("activate_users", "deactivate_users", "send_password_reset", "revoke_sessions")

    def has_add_permission(self, request) -> bool:
        return False  # accounts come from registration or `manage.py create_admin`

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deletion has rules (last active admin): use the API or the actions

    def get_queryset(self, request) -> QuerySet[User]:
        return super().get_queryset(request).select_related("role", "credentials")

    @admin.display(description="Name", ordering="first_name")
    def full_name(self, obj: User) -> str:
        return str(obj)

    @admin.display(description="E-mail", ordering="credentials__email")
    def email(self, obj: User) -> str:
        return obj.credentials.email

    @admin.display(description="Verified", boolean=True, ordering="credentials__is_verified")
    def is_verified(self, obj: User) -> bool:
        return obj.credentials.is_verified

    def _set_status(self, request, queryset: QuerySet[User], is_active: bool) -> None:
        changed, refused = 0, []
        for user in queryset.order_by("created_at", "id"):
            try:
                services.user_set_status(user_id=user.pk, is_active=is_active, actor_id=request.user.pk)
                self.log_change(request, user, "Activated" if is_active else "Deactivated (sessions ended)")
                changed += 1
            except ApplicationError as exc:
                refused.append(f"{user}: {exc.message}")
        verb = "activated" if is_active else "deactivated"
        self.message_user(request, f"{changed} user(s) {verb}.", messages.SUCCESS)
        for problem in refused:
            self.message_user(request, problem, messages.ERROR)

    @admin.action(description="Activate selected users")
    def activate_users(self, request, queryset):
        self._set_status(request, queryset, True)

    @admin.action(description="Deactivate selected users (ends their sessions)")
    def deactivate_users(self, request, queryset):
        self._set_status(request, queryset, False)

    @admin.action(description="Send password reset e-mail to selected users")
    def send_password_reset(self, request, queryset):
        """The API's reset request for each active user: a 30-minute single-use token, mailed after
        commit. Inactive users get nothing (the API would not send them one either)."""
        sent, skipped = 0, 0
        for user in queryset.select_related("credentials").order_by("created_at", "id"):
            if not user.is_active:
                skipped += 1
                continue
            services.password_reset_request(email=user.credentials.email)
            self.log_change(request, user, "Sent a password reset e-mail")
            sent += 1
        self.message_user(request, f"Password reset e-mail sent to {sent} user(s).", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} inactive user(s) skipped: activate them first.", messages.WARNING)

    @admin.action(description="Revoke all sessions of selected users (API tokens and admin sign-ins)")
    def revoke_sessions(self, request, queryset):
        user_ids = list(queryset.values_list("pk", flat=True))
        revoked = services.user_sessions_revoke(user_ids=user_ids, actor_id=request.user.pk)
        for user in queryset:
            self.log_change(request, user, "Revoked all sessions")
        if request.user.pk in user_ids:
            logout(request)  # one's own sign-in ended too: a fresh session, not a deleted one
            return
        self.message_user(
            request,
            f"Sessions revoked for {len(user_ids)} user(s): {revoked.refresh_tokens} refresh token(s), "
            f"{revoked.admin_sessions} admin session(s); access tokens issued before now are refused.",
            messages.SUCCESS,
        )


@admin.register(RefreshToken)
class RefreshTokenAdmin(ReadOnlyAdmin):
    """Stored refresh tokens (their SHA-256 only). Revocation is the one write."""

    list_display = ("short_hash", "user", "created_at", "expires_at", "is_revoked")
    list_filter = ("is_revoked", "expires_at")
    search_fields = ("user__credentials__email", "user__first_name", "user__last_name", "token")
    list_select_related = ("user",)
    ordering = ("-created_at", "id")
    actions = ("revoke_tokens",)
    fields = ("user", "token", "created_at", "expires_at", "is_revoked")
    readonly_fields = fields

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None  # the changelist (and its action) only; rows stay read-only

    @admin.display(description="Token (SHA-256)")
    def short_hash(self, obj: RefreshToken) -> str:
        return f"{obj.token[:12]}…"

    @admin.action(description="Revoke selected refresh tokens")
    def revoke_tokens(self, request, queryset):
        tokens = list(queryset)
        count = services.refresh_tokens_revoke(token_ids=[t.pk for t in tokens], actor_id=request.user.pk)
        for token in tokens:
            self.log_change(request, token, "Revoked")
        self.message_user(request, f"{count} refresh token(s) revoked.", messages.SUCCESS)


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    """Sign-ins (docs/api.md §30). Ending one revokes its refresh tokens and refuses its access
    tokens at once; the user stays active and may sign in again."""

    list_display = ("short_id", "user", "user_agent", "ip_address", "created_at", "last_used_at", "ended_at")
    list_filter = (("ended_at", admin.EmptyFieldListFilter), "last_used_at")
    search_fields = ("user__credentials__email", "user__first_name", "user__last_name", "ip_address")
    list_select_related = ("user",)
    ordering = ("-last_used_at", "id")
    actions = ("end_sessions",)
    fields = ("user", "user_agent", "ip_address", "created_at", "last_used_at", "ended_at")
    readonly_fields = fields

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None  # the changelist (and its action) only

    @admin.display(description="Session", ordering="id")
    def short_id(self, obj: Session) -> str:
        return str(obj.pk)[:8]

    @admin.action(description="End selected sessions")
    def end_sessions(self, request, queryset):
        ended = 0
        for session in queryset.filter(ended_at__isnull=True).order_by("user_id", "id"):
            try:
                services.session_end(user_id=session.user_id, session_id=session.pk, actor_id=request.user.pk)
            except ApplicationError:
                continue  # ended meanwhile, or expired
            self.log_change(request, session, "Ended")
            ended += 1
        self.message_user(request, f"{ended} session(s) ended.", messages.SUCCESS)


# Roles decide what a user may do (docs/api.md §5); Django's groups and permissions are not used,
# so their changelist would only mislead staff.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)
