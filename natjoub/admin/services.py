"""Back-office writes through the services (docs/architecture.md §1.3): an app's ModelAdmin adds,
changes and deletes with the same rules, locks and side effects as its API. Generic: names no app."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.options import ActionLocation
from django.http import HttpResponseRedirect

from natjoub.api.errors import ApplicationError
from natjoub.db import internals


class ServiceRefused(Exception):
    """A service refused a save the form had validated (a race, e.g. a concurrent rename)."""

    def __init__(self, error: ApplicationError) -> None:
        super().__init__(error.message)
        self.error = error


class ServiceSaveMixin:
    """Adds and changes go through the create/update services, with the same rules, locks and
    side effects (metrics, alerts) as the API. The form validates first (uniqueness included);
    a refusal that only the service can see (a race) rolls the admin's transaction back and is
    shown as an error on the same form page.

    Subclasses implement ``create(request, data)`` and ``update(request, obj, changes)``, where the
    dicts map the form's fields to the services' keyword arguments (``field_arguments`` renames
    foreign keys to their ``*_id`` argument)."""

    field_arguments: dict[str, str] = {}

    def service_arguments(self, form, names) -> dict:
        arguments = {}
        for name in names:
            value = form.cleaned_data[name]
            argument = self.field_arguments.get(name, name)
            arguments[argument] = value.pk if argument.endswith("_id") and value is not None else value
        return arguments

    def save_model(self, request, obj, form, change):
        try:
            if change:
                saved = self.update(request, obj, self.service_arguments(form, form.changed_data))
            else:
                saved = self.create(request, self.service_arguments(form, form.cleaned_data))
        except ApplicationError as exc:
            raise ServiceRefused(exc) from exc
        for field in obj._meta.concrete_fields:  # the admin logs and redirects with ``obj``
            setattr(obj, field.attname, getattr(saved, field.attname))
        internals.mark_saved(obj, saved._state.db)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            self.message_user(request, refused.error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def create(self, request, data: dict):
        raise NotImplementedError

    def update(self, request, obj, changes: dict):
        raise NotImplementedError


class ServiceDeleteMixin:
    """Single deletes go through ``delete_service(pk, actor_id=…)`` (409 rules become an error
    message; the actor for the audit trail); no bulk delete."""

    delete_service = None

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "POST":
            obj = self.get_object(request, object_id)
            if obj is not None:
                try:
                    type(self).delete_service(obj.pk, actor_id=request.user.pk)
                except ApplicationError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                    return HttpResponseRedirect(request.path.rsplit("delete/", 1)[0])
                self.message_user(request, f"Deleted {obj}.", messages.SUCCESS)
                return HttpResponseRedirect("../../")
        return super().delete_view(request, object_id, extra_context)
