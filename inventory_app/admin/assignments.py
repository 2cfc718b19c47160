"""Sellers' access in the back office (docs/api.md §26, §36): branch assignments on the branch page
(its sellers) and on a seller's user page (their branches), and the all-branches grant on the
seller's page. Rows are added and removed through the services (audited), never edited in place.

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
from inventory_app.models import BranchAssignment, SellerGrant


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

    def add_fields(self, form, index):
        """Every row (and the empty form) shares one evaluation of each select's choices (one
        query, not one per row). ``add_fields`` is the formset's public hook, called once per form
        after its fields exist."""
        super().add_fields(form, index)
        cache = self.__dict__.setdefault("_choices", {})
        for name, field in form.fields.items():
            if isinstance(field, forms.ModelChoiceField):
                if name not in cache:
                    cache[name] = list(field.choices)
                field.choices = cache[name]

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


class SellerOnlyInline(admin.TabularInline):
    """Shown on a seller's user page only (the user page belongs to auth_app)."""

    @staticmethod
    def _is_seller(obj) -> bool:
        if obj is None:
            return False
        if "_inventory_role" not in obj.__dict__:  # one directory read per page, not per check
            user = directory.find_user(obj.pk)
            obj.__dict__["_inventory_role"] = user.role if user is not None else None
        return obj.__dict__["_inventory_role"] == Role.SELLER

    # Without ``obj`` Django asks about the rows themselves (the inline's queryset): allowed, the
    # page's user decides whether the inline is shown at all. Never on the add-user page.
    def has_view_permission(self, request, obj=None) -> bool:
        return (obj is None or self._is_seller(obj)) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return self._is_seller(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return (obj is None or self._is_seller(obj)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return (obj is None or self._is_seller(obj)) and super().has_delete_permission(request, obj)


class GrantForm(forms.ModelForm):
    """A new row is a grant once its box is ticked (a form without fields would be skipped)."""

    grant = forms.BooleanField(required=False, label="Grant every branch")

    class Meta:
        model = SellerGrant
        fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.fields["grant"].initial = True
            self.fields["grant"].disabled = True


class GrantFormSet(BaseInlineFormSet):
    """Saves through ``grant_create`` / ``grant_delete`` (the API's rules and audit)."""

    actor_id = None

    def save_new(self, form, commit=True):
        if not form.cleaned_data.get("grant"):
            return None
        grant, _ = services.grant_create(user_id=self.instance.pk, granted_by=self.actor_id)
        return grant

    def save_existing(self, form, obj, commit=True):
        return obj

    def delete_existing(self, obj, commit=True):
        services.grant_delete(user_id=obj.user_id, deleted_by=self.actor_id)


class SellerGrantInline(SellerOnlyInline):
    """On a seller's user page: its all-branches grant (tick to grant, delete to remove)."""

    model = SellerGrant
    form = GrantForm
    formset = GrantFormSet
    extra = 1
    max_num = 1
    can_delete = True
    fields = ("grant", "granted_by", "created_at")
    readonly_fields = ("granted_by", "created_at")
    verbose_name = "all-branches grant"
    verbose_name_plural = "all-branches grant (the seller acts on every branch, present and future)"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.actor_id = request.user.pk
        return formset


class SellerBranchesInline(SellerOnlyInline, AssignmentInline):
    """On a seller's user page: the branches the seller is assigned to (none: every branch)."""

    fields = ("branch", "created_by", "created_at")
    verbose_name = "assigned branch"
    verbose_name_plural = "assigned branches (without an all-branches grant, the seller acts only here)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("branch")


def attach_to_user_admin(site: admin.AdminSite = admin.site) -> None:
    if not site.is_registered(get_user_model()):
        return
    user_admin = site.get_model_admin(get_user_model())
    if SellerBranchesInline not in user_admin.inlines:
        user_admin.inlines = (*user_admin.inlines, SellerGrantInline, SellerBranchesInline)


attach_to_user_admin()
