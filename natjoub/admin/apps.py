"""App config that makes the NatJoub back-office site Django's default admin site."""

from django.contrib.admin.apps import AdminConfig


class NatJoubAdminConfig(AdminConfig):
    default_site = "natjoub.admin.site.NatJoubAdminSite"
