"""Back-office pages of a ModelAdmin's own (a step of an order or a transfer): the admin's page
context, and the form that takes one quantity per line (docs/architecture.md §1.3). Generic:
names no app; a line is anything with ``inventory_item_id`` and ``quantity``."""

from __future__ import annotations

from django import forms
from django.template.response import TemplateResponse


def admin_page(model_admin, request, template: str, title: str, **context) -> TemplateResponse:
    """``template`` with what every admin page has (site header, user links, breadcrumbs' opts)."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.model._meta,
        **context,
    }
    return TemplateResponse(request, template, context)


class LineQuantitiesForm(forms.Form):
    """One quantity per line, 0 … the line's quantity (all of it by default), keyed by item;
    subclasses name each field with ``line_label(line)``."""

    def __init__(self, *args, lines: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[str(line.inventory_item_id)] = forms.IntegerField(
                label=self.line_label(line), min_value=0, max_value=line.quantity, initial=line.quantity
            )

    def line_label(self, line) -> str:
        raise NotImplementedError

    def quantities(self, key: str) -> list[dict]:
        """``[{"inventory_item_id": …, key: quantity}, …]`` in the lines' order (a service's input)."""
        return [
            {"inventory_item_id": line.inventory_item_id, key: self.cleaned_data[str(line.inventory_item_id)]}
            for line in self.lines
        ]
