"""Generic API test cases (after NetBox's ``utilities/testing/api.py``): a resource declares its
route, a factory, the roles allowed per action and the keys of its output, and inherits the basic
tests of list, get, create, update and delete, each run for every role (allowed: the success
envelope; not allowed: 403, nothing changed) and without a token (401). See docs/architecture.md §5.

    class TestCategoryApi(ListCases, GetCases, CreateCases, UpdateCases, DeleteCases):
        url = "/api/v1/inventory/categories"
        noun, plural = "Category", "Categories"
        output_keys = {"id", "name", ...}
        read_roles, write_roles = ALL_ROLES, STAFF
        not_found = ("CATEGORY_NOT_FOUND", "Category not found with id: {id}")

        def make(self): return make_category()
        def create_body(self): return {"name": "New"}
        def update_body(self): return {"name": "Renamed"}

A resource whose routes are not in the project's URLconf sets ``urlconf`` (the fixture app of
docs/architecture.md §7.2). Behaviour beyond the basics (filters, rules, conflicts) stays in the
resource's own tests.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from rest_framework.test import APIClient

from auth_app.directory import Role
from tests.conftest import bearer_client
from tests.factories import make_seller, make_user
from tests.helpers import MISSING, assert_error, assert_forbidden, assert_ok, assert_unauthorized

ALL_ROLES = frozenset(Role)
STAFF = frozenset({Role.ADMIN, Role.SELLER})
ADMIN_ONLY = frozenset({Role.ADMIN})


class ApiCase:
    url: ClassVar[str]  # the collection route; one row is f"{url}/{id}"
    urlconf: ClassVar[str | None] = None  # a test-only root URLconf, if the routes need one
    noun: ClassVar[str]  # "Category": "<noun> created successfully"
    plural: ClassVar[str]  # "Categories": "<plural> retrieved successfully"
    output_keys: ClassVar[frozenset[str] | set[str]]  # camelCase keys of one row
    read_roles: ClassVar[frozenset[str]] = ALL_ROLES
    write_roles: ClassVar[frozenset[str]] = STAFF
    not_found: ClassVar[tuple[str, str]]  # (code, message with {id})

    @pytest.fixture(autouse=True)
    def _api_case_urlconf(self, settings):
        if self.urlconf is not None:
            settings.ROOT_URLCONF = self.urlconf

    def make(self) -> Any:
        """One row of the resource."""
        raise NotImplementedError

    def user(self, role: str):
        """A user of ``role``, as tests/conftest.py's role clients have it (a seller with an
        all-branches grant, docs/api.md §36); override for a resource that needs another."""
        return make_seller() if role == Role.SELLER else make_user(role)

    def client(self, role: str | None) -> APIClient:
        return APIClient() if role is None else bearer_client(self.user(role))

    def detail(self, pk) -> str:
        return f"{self.url}/{pk}"

    def assert_row(self, data: dict) -> None:
        assert set(data) == set(self.output_keys), data

    def assert_not_found(self, response, pk) -> None:
        code, message = self.not_found
        assert_error(response, 404, code, message.format(id=pk), top=None)


class ListCases(ApiCase):
    @pytest.mark.parametrize("role", sorted(Role))
    def test_list(self, db, role):
        rows = [self.make(), self.make()]
        response = self.client(role).get(self.url)
        if role not in self.read_roles:
            assert_forbidden(response)
            return
        data = assert_ok(response, 200, f"{self.plural} retrieved successfully", meta=True)
        for row in data:
            self.assert_row(row)
        assert {str(row.pk) for row in rows} <= {row["id"] for row in data}
        assert response.json()["meta"]["total"] == len(data)

    def test_list_needs_a_token(self, db):
        assert_unauthorized(self.client(None).get(self.url))


class GetCases(ApiCase):
    @pytest.mark.parametrize("role", sorted(Role))
    def test_get(self, db, role):
        row = self.make()
        client = self.client(role)
        response = client.get(self.detail(row.pk))
        if role not in self.read_roles:
            assert_forbidden(response)
            return
        data = assert_ok(response, 200, f"{self.noun} retrieved successfully")
        self.assert_row(data)
        assert data["id"] == str(row.pk)
        self.assert_not_found(client.get(self.detail(MISSING)), MISSING)

    def test_get_needs_a_token(self, db):
        assert_unauthorized(self.client(None).get(self.detail(self.make().pk)))


class CreateCases(ApiCase):
    def create_body(self) -> dict:
        raise NotImplementedError

    @pytest.mark.parametrize("role", sorted(Role))
    def test_create(self, db, role):
        body = self.create_body()
        response = self.client(role).post(self.url, body, format="json")
        if role not in self.write_roles:
            assert_forbidden(response)
            return
        data = assert_ok(response, 201, f"{self.noun} created successfully")
        self.assert_row(data)
        assert {key: data[key] for key in body} == body
        read = self.client(Role.ADMIN).get(self.detail(data["id"]))
        assert assert_ok(read, 200, f"{self.noun} retrieved successfully") == data

    def test_create_needs_a_token(self, db):
        assert_unauthorized(self.client(None).post(self.url, self.create_body(), format="json"))


class UpdateCases(ApiCase):
    def update_body(self) -> dict:
        raise NotImplementedError

    @pytest.mark.parametrize("role", sorted(Role))
    def test_update(self, db, role):
        row = self.make()
        body = self.update_body()
        client = self.client(role)
        response = client.put(self.detail(row.pk), body, format="json")
        if role not in self.write_roles:
            assert_forbidden(response)
            return
        data = assert_ok(response, 200, f"{self.noun} updated successfully")
        self.assert_row(data)
        assert {key: data[key] for key in body} == body
        self.assert_not_found(client.put(self.detail(MISSING), body, format="json"), MISSING)

    def test_update_needs_a_token(self, db):
        assert_unauthorized(self.client(None).put(self.detail(self.make().pk), self.update_body(), format="json"))


class DeleteCases(ApiCase):
    @pytest.mark.parametrize("role", sorted(Role))
    def test_delete(self, db, role):
        row = self.make()
        client = self.client(role)
        response = client.delete(self.detail(row.pk))
        if role not in self.write_roles:
            assert_forbidden(response)
            assert type(row).objects.filter(pk=row.pk).exists()
            return
        assert assert_ok(response, 200, f"{self.noun} deleted successfully") is None
        assert not type(row).objects.filter(pk=row.pk).exists()
        self.assert_not_found(client.delete(self.detail(row.pk)), row.pk)

    def test_delete_needs_a_token(self, db):
        row = self.make()
        assert_unauthorized(self.client(None).delete(self.detail(row.pk)))
        assert type(row).objects.filter(pk=row.pk).exists()
