"""Base viewset: the contract's order of checks (§3.1) around DRF's request handling."""

from __future__ import annotations

import functools

from rest_framework import exceptions as drf
from rest_framework.permissions import BasePermission
from rest_framework.viewsets import GenericViewSet

from natjoub.api.errors import ApplicationError, InvalidPathUuid, Referenced, ValidationFailed
from natjoub.api.exception_handler import first_messages
from natjoub.api.negotiation import JSONOnlyNegotiation
from natjoub.api.output import render_many, render_page
from natjoub.api.pagination import MetaPagination
from natjoub.api.query import QueryParams, parse_uuid
from natjoub.api.responses import ok

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
    * Path UUIDs are validated after authentication and role checks; bodies are parsed before
      field validation (the order of checks in docs/api.md).
    """

    content_negotiation_class = JSONOnlyNegotiation
    pagination_class = MetaPagination
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

    # -- lists ---------------------------------------------------------------------------
    def list_response(self, queryset, serializer_class, message: str, query: QueryParams | None = None, *, total=None):
        """Validate pagination together with the caller's filter errors, then render one page.
        ``total``: a callable returning the exact total without counting rows, or None to count."""
        query = query or QueryParams(self.request.query_params)
        paginator = self.paginator
        paginator.read_params(query)
        query.raise_errors()
        if isinstance(queryset, list):
            data = render_many(serializer_class, paginator.paginate_list(queryset))
        else:
            page = functools.partial(render_page, serializer_class)
            data = paginator.paginate_queryset(queryset, total=total() if total is not None else None, render=page)
        return paginator.get_paginated_response(data, message)

    def query(self) -> QueryParams:
        return QueryParams(self.request.query_params)

    @staticmethod
    def respond(data, message: str, status: int = 200):
        return ok(data, message, status=status)
