"""Sellers' branch assignments in the back office (docs/api.md §26): on the branch page (its
sellers) and on a seller's user page (their branches). Rows are added and removed through the
assignment services, never edited in place.

The user page belongs to ``auth_app``, which must not know inventory; so the inline is attached
from here to the user admin that ``auth_app.admin`` registered (the admin imports apps' admin
modules in INSTALLED_APPS order, auth_app first). auth_app's code stays unaware of it.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import F
from django.db.models.functions import Collate
from django.forms.models import BaseInlineFormSet

from auth_app import directory
from auth_app.directory import Role
from inventory_app import services
from inventory_app.models import BranchAssignment


class AssignmentForm(forms.ModelForm):
    """Existing assignments are shown read-only: they are only added or removed."""

    class Meta:
        model = BranchAssignment
        fields = ("user", "branch")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:  # (a new row has a pk already: UUIDs default to uuid4)
            for field in self.fields.values():
                field.disabled = True


class AssignmentFormSet(BaseInlineFormSet):
    """Saves through ``assignment_create`` / ``assignment_delete`` (the API's rules)."""

    actor_id = None  # the signed-in admin, set per request by the inline

    def _construct_form(self, i, **kwargs):
        """Every row shares one evaluation of each select's choices (one query, not one per row)."""
        form = super()._construct_form(i, **kwargs)
        cache = self.__dict__.setdefault("_choices", {})
        for name, field in form.fields.items():
            if isinstance(field, forms.ModelChoiceField):
                if name not in cache:
                    cache[name] = list(field.choices)
                field.choices = cache[name]
        return form

    def save_new(self, form, commit=True):
        data = {**form.cleaned_data, self.fk.name: self.instance}
        assignment, _ = services.assignment_create(
            branch_id=data["branch"].pk, user_id=data["user"].pk, created_by=self.actor_id
        )
        return assignment

    def save_existing(self, form, obj, commit=True):
        return obj

    def delete_existing(self, obj, commit=True):
        services.assignment_delete(branch_id=obj.branch_id, user_id=obj.user_id, deleted_by=self.actor_id)


class AssignmentInline(admin.TabularInline):
    model = BranchAssignment
    form = AssignmentForm
    formset = AssignmentFormSet
    extra = 0
    readonly_fields = ("created_by", "created_at")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.actor_id = request.user.pk
        return formset


class BranchStaffInline(AssignmentInline):
    """On the branch page: the sellers assigned to it (only sellers can be chosen)."""

    fields = ("user", "created_by", "created_at")
    verbose_name = "assigned seller"
    verbose_name_plural = "assigned sellers (a seller acts at its assigned branches, or everywhere with a grant)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            sellers = get_user_model().objects.filter(pk__in=[seller.id for seller in directory.sellers()])
            sellers = sellers.annotate(seller_email=directory.email_of("pk"))
            kwargs["queryset"] = sellers.order_by(Collate(F("seller_email"), "C"), "pk")
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = lambda user: f"{user} <{user.seller_email}>"
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SellerBranchesInline(AssignmentInline):
    """On a seller's user page: the branches the seller is assigned to (none: every branch)."""

    fields = ("branch", "created_by", "created_at")
    verbose_name = "assigned branch"
    verbose_name_plural = "assigned branches (without an all-branches grant, the seller acts only here)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("branch")

    @staticmethod
    def _is_seller(obj) -> bool:
        if obj is None:
            return False
        if "_inventory_role" not in obj.__dict__:  # one directory read per page, not per check
            user = directory.find_user(obj.pk)
            obj.__dict__["_inventory_role"] = user.role if user is not None else None
        return obj.__dict__["_inventory_role"] == Role.SELLER

    def has_view_permission(self, request, obj=None) -> bool:
        return self._is_seller(obj) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return self._is_seller(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._is_seller(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._is_seller(obj) and super().has_delete_permission(request, obj)


def attach_to_user_admin(site: admin.AdminSite = admin.site) -> None:
    user_admin = site._registry.get(get_user_model())
    if user_admin is not None and SellerBranchesInline not in user_admin.inlines:
        user_admin.inlines = (*user_admin.inlines, SellerBranchesInline)


attach_to_user_admin()
