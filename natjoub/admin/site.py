"""The back office: the Django admin site for staff (active admin-role users only)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm

from natjoub.registry import dashboard_panels

NOT_STAFF = "This account has no access to the back office: only active administrators can sign in here."


class EmailAdminAuthenticationForm(AdminAuthenticationForm):
    """Sign in with e-mail and password; sellers and customers get a clear refusal."""

    username = forms.CharField(label="Email", max_length=255, widget=forms.EmailInput(attrs={"autofocus": True}))

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": "Please enter the correct email and password for an administrator account.",
        "not_staff": NOT_STAFF,
    }

    def confirm_login_allowed(self, user):
        if not user.is_active or not user.is_staff:
            raise forms.ValidationError(self.error_messages["not_staff"], code="not_staff")


class NatJoubAdminSite(admin.AdminSite):
    site_header = "NatJoub back office"
    site_title = "NatJoub"
    index_title = "Dashboard"
    login_form = EmailAdminAuthenticationForm
    enable_nav_sidebar = True

    def index(self, request, extra_context=None):
        """The dashboard: every panel the apps registered, in order (natjoub.registry)."""
        panels = [
            {"name": panel.name, "title": panel.title, "template": panel.template, "data": panel.context(request)}
            for panel in dashboard_panels
        ]
        return super().index(request, extra_context={"dashboard_panels": panels, **(extra_context or {})})
