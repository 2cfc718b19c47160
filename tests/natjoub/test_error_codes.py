"""Error codes are declared by the app that owns them (docs/architecture.md §3.6): the core keeps the
generic ones, each app registers its enum in ``AppConfig.ready()``; a code declared twice is a
start-up error; the OpenAPI schema and the system check read the registry."""

from __future__ import annotations

import logging
from enum import StrEnum

import pytest
from django.core.exceptions import ImproperlyConfigured

from natjoub.api import errors
from natjoub.api.checks import check_error_codes
from natjoub.api.errors import ApplicationError, ErrorCode, register_error_codes, registered_error_codes


class ClashWithInventory(StrEnum):
    BRANCH_NOT_FOUND = "BRANCH_NOT_FOUND"
    FRESH_CODE = "FRESH_CODE"


class ClashWithCore(StrEnum):
    VALIDATION_ERROR = "VALIDATION_ERROR"


class Fresh(StrEnum):
    PROBE_CODE = "PROBE_CODE"


@pytest.fixture
def throwaway_owner():
    yield "probe_app"
    errors.unregister_error_codes("probe_app")


def test_the_core_keeps_only_generic_codes():
    core = {code for code, owner in registered_error_codes().items() if owner == "natjoub"}
    assert core == set(ErrorCode)
    assert "BRANCH_NOT_FOUND" not in core
    assert "USER_NOT_FOUND" not in core


def test_each_app_owns_its_codes():
    owners = registered_error_codes()
    assert owners["USER_NOT_FOUND"] == "auth_app"
    assert owners["INVALID_OTP"] == "auth_app"
    assert owners["BRANCH_NOT_FOUND"] == "inventory_app"
    assert owners["INSUFFICIENT_STOCK"] == "inventory_app"


def test_a_code_another_app_declared_is_a_start_up_error(throwaway_owner):
    with pytest.raises(ImproperlyConfigured, match=r"BRANCH_NOT_FOUND \(declared by inventory_app\)"):
        register_error_codes(throwaway_owner, ClashWithInventory)
    # nothing of the refused enum was registered
    assert "FRESH_CODE" not in registered_error_codes()


def test_a_generic_code_cannot_be_redeclared(throwaway_owner):
    with pytest.raises(ImproperlyConfigured, match=r"VALIDATION_ERROR \(declared by natjoub\)"):
        register_error_codes(throwaway_owner, ClashWithCore)


def test_registering_the_same_enum_again_is_harmless(throwaway_owner):
    register_error_codes(throwaway_owner, Fresh)
    register_error_codes(throwaway_owner, Fresh)
    assert registered_error_codes()["PROBE_CODE"] == throwaway_owner


def test_the_system_check_names_an_error_whose_code_nobody_registered(throwaway_owner):
    class Unregistered(ApplicationError):
        code = "NEVER_REGISTERED"

    try:
        found = check_error_codes()
        assert [e.id for e in found] == ["natjoub.E003"]
        assert "Unregistered" in found[0].msg
        assert "NEVER_REGISTERED" in found[0].msg
    finally:
        Unregistered.code = ErrorCode.BAD_REQUEST  # the class stays alive in __subclasses__
    assert check_error_codes() == []


def test_the_handler_logs_an_unregistered_code(caplog):
    from natjoub.api.exception_handler import exception_handler

    class Unregistered(ApplicationError):
        code, status, template = "NEVER_REGISTERED", 409, "Nope"

    try:
        with caplog.at_level(logging.ERROR, logger="natjoub.errors"):
            response = exception_handler(Unregistered(), {})
        assert response.status_code == 409
        assert "unregistered code NEVER_REGISTERED" in caplog.text
    finally:
        Unregistered.code = ErrorCode.BAD_REQUEST


@pytest.mark.django_db
def test_the_schema_lists_every_registered_code_with_its_owner(client):
    schema = client.get("/api/schema/?format=json").json()
    code = schema["components"]["schemas"]["ErrorEnvelope"]["properties"]["error"]["properties"]["code"]
    assert set(code["enum"]) == set(registered_error_codes())
    assert {"VALIDATION_ERROR", "USER_NOT_FOUND", "INVALID_OTP", "BRANCH_NOT_FOUND", "INSUFFICIENT_STOCK"} <= set(
        code["enum"]
    )
    assert "inventory_app: " in code["description"]
    assert "auth_app: " in code["description"]
