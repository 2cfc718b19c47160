"""Base viewset: the contract's order of checks (§3.1) around DRF's request handling."""

from __future__ import annotations

from functools import cached_property

from rest_framework import exceptions as drf
from rest_framework.permissions import BasePermission
from rest_framework.viewsets import GenericViewSet

from natjoub.api.errors import ApplicationError, InvalidPathUuid, Referenced, ValidationFailed
from natjoub.api.exception_handler import first_messages
from natjoub.api.filters import ApiFilterBackend, ApiFilterSet, PageFilterSet
from natjoub.api.negotiation import JSONOnlyNegotiation
from natjoub.api.pagination import MetaPagination
from natjoub.api.query import parse_uuid
from natjoub.api.responses import ok
from natjoub.db.pages import PageSource

BODY_METHODS = {"POST", "PUT", "PATCH"}


def no_body(func):
    """Mark a handler that takes no request body: it is never parsed (no 400/415)."""
    func.takes_body = False
    return func


class DenyAll(BasePermission):
    """What an action gets that its viewset's ``permission_map`` does not list."""

    def has_permission(self, request, view) -> bool:
        return False


class MayUseAnAction(BasePermission):
    """OPTIONS on a viewset whose ``permission_map`` has no ``"*"``: allowed to a caller who passes
    the permissions of at least one declared action (so a route's description is never shown to
    someone who may do nothing there)."""

    def has_permission(self, request, view) -> bool:
        return any(
            all(permission().has_permission(request, view) for permission in classes)
            for classes in view.permission_map.values()
        )


class ApiViewSet(GenericViewSet):
    """The base of every API viewset (docs/architecture.md, "Request flow").

    * ``permission_map``: action → permission classes (``"*"`` for every action). It fails closed:
      an action the map does not list is denied; OPTIONS needs the permissions of some listed action.
    * ``error_map``: action → the ``ApplicationError`` classes its services raise (``Referenced(X)``
      for a row a body field names: 400, not 404), so the OpenAPI schema lists the codes each route
      can answer (the generic ones are added for every route).
    * ``filterset_classes``: action → the ``ApiFilterSet`` of a list's query parameters (a list
      action without one takes ``limit``/``offset`` only); see "Lists" below.
    * Path UUIDs are validated after authentication and role checks; bodies are parsed before
      field validation (the order of checks in docs/api.md).
    """

    content_negotiation_class = JSONOnlyNegotiation
    pagination_class = MetaPagination
    filter_backends = [ApiFilterBackend]
    filterset_classes: dict[str, type[ApiFilterSet]] = {}
    permission_map: dict[str, list[type[BasePermission]]] = {}
    error_map: dict[str, tuple[type[ApplicationError] | Referenced, ...]] = {}
    unpaginated_actions: tuple[str, ...] = ()  # collection GETs that answer a plain list
    uuid_kwargs: tuple[str, ...] = ("pk", "branch_id")
    lookup_value_regex = "[^/]+"  # any segment reaches the view, which answers 400 for a bad UUID

    def get_permissions(self):
        fallback = self.permission_map.get("*", [DenyAll])
        if self.action == "metadata":  # OPTIONS: whoever may use the route at all (never "any caller")
            fallback = self.permission_map.get("*", [MayUseAnAction])
        classes = self.permission_map.get(self.action, fallback)
        return [permission() for permission in classes]

    def initial(self, request, *args, **kwargs):
        method = request.method.lower()
        if method != "options" and not hasattr(self, method):
            raise drf.MethodNotAllowed(request.method)  # 405 is decided before authentication
        super().initial(request, *args, **kwargs)
        self._validate_path_uuids()
        handler = getattr(self, method, None)
        if request.method in BODY_METHODS and getattr(handler, "takes_body", True):
            self._parse_body(request)

    def _validate_path_uuids(self) -> None:
        for name in self.uuid_kwargs:
            if name in self.kwargs:
                raw = self.kwargs[name]
                try:
                    self.kwargs[name] = parse_uuid(raw)
                except ValueError:
                    raise InvalidPathUuid(value=raw) from None

    @staticmethod
    def _parse_body(request) -> None:
        if not request.content_type and request._request.body:
            raise drf.UnsupportedMediaType("")
        request.data  # noqa: B018 - parse now: 415/400 come before field validation

    # -- input ---------------------------------------------------------------------------
    def validated(self, serializer_class, extra_errors: dict[str, str] | None = None) -> dict:
        """Field validation, reported together with the caller's header errors (one 400)."""
        serializer = serializer_class(data=self.request.data)
        errors = {} if serializer.is_valid() else first_messages(serializer.errors)
        errors.update(extra_errors or {})
        if errors:
            raise ValidationFailed(errors)
        return dict(serializer.validated_data)

    # -- lists (docs/architecture.md §3.10) -----------------------------------------------
    # A list action: ``source = selectors.x(**self.list_filters(), ...)`` then
    # ``return self.list_response(source, Output, message)``. The FilterSet validates filters and
    # paging first (one 400 with every error); the selector's business errors (a 403 for a branch
    # outside the caller's scope) come after.
    @cached_property
    def list_query(self) -> ApiFilterSet:
        """The action's FilterSet bound to the query string, validated (400 on any error)."""
        filterset_class = self.filterset_classes.get(self.action, PageFilterSet)
        return filterset_class(self.request.query_params, request=self.request).validate()

    def list_filters(self) -> dict:
        """The list's filters as the selector's keyword arguments."""
        return self.list_query.arguments()

    def list_response(self, source, serializer_class, message: str):
        """One page of ``source`` (a selector's ``PageSource``, queryset or list) with ``meta``."""
        limit, offset = self.list_query.page
        paginator = self.paginator
        data = paginator.paginate(PageSource.of(source), serializer_class, limit, offset)
        return paginator.get_paginated_response(data, message)

    @staticmethod
    def respond(data, message: str, status: int = 200):
        return ok(data, message, status=status)
