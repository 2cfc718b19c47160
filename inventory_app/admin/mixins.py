"""What the inventory admins share: CSV export (writes through the services: natjoub/admin/services.py)."""

from __future__ import annotations

from django.urls import path, reverse

from inventory_app.admin.views import export_as_csv, export_changelist_view


class CsvExportMixin:
    """The "Export CSV" object tool (templates/admin/inventory_app/change_list.html) and its URL:
    the rows of the filtered changelist, for staff who may view the model; plus the action."""

    actions = (export_as_csv,)

    def get_urls(self):
        opts = self.model._meta
        export = self.admin_site.admin_view(self.export_csv_view)
        return [path("export/", export, name=f"{opts.app_label}_{opts.model_name}_export"), *super().get_urls()]

    def export_csv_view(self, request):
        return export_changelist_view(self, request)

    def changelist_view(self, request, extra_context=None):
        opts = self.model._meta
        url = reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_export")
        return super().changelist_view(request, {"export_csv_url": url, **(extra_context or {})})
