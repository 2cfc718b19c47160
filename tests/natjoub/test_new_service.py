"""docs/architecture.md §7.2, proved: the fixture app tests/sample_service joins the project through
natjoub/test_settings.py (INSTALLED_APPS, DB_SCHEMAS) and a test-only URLconf, and everything else it
needs it registers in its ``AppConfig.ready()``: no module of the core or of another app names it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from auth_app.directory import Role
from natjoub.api.errors import registered_error_codes
from natjoub.registry import dashboard_panels, demo_seeders, seller_dashboard
from tests.api_cases import ALL_ROLES, STAFF, CreateCases, DeleteCases, GetCases, ListCases, UpdateCases
from tests.factories import make_user
from tests.helpers import assert_error, assert_ok, assert_validation
from tests.natjoub.test_schemas import tables_by_schema
from tests.sample_service import services
from tests.sample_service.models import Note

ROOT = Path(__file__).resolve().parents[2]
URLCONF = "tests.sample_service.urls"
URL = "/api/v1/sample/notes"
NOTE_KEYS = {"id", "ownerId", "title", "body", "createdAt"}


@pytest.fixture
def sample_urls(settings):
    settings.ROOT_URLCONF = URLCONF


class TestNoteApi(ListCases, GetCases, CreateCases, UpdateCases, DeleteCases):
    """Its basic API tests by declaration (tests/api_cases.py)."""

    url, urlconf = URL, URLCONF
    noun, plural = "Note", "Notes"
    output_keys = NOTE_KEYS
    read_roles, write_roles = ALL_ROLES, STAFF
    not_found = ("SAMPLE_NOTE_NOT_FOUND", "Note not found with id: {id}")

    def make(self):
        return services.note_create(owner_id=uuid.uuid4(), title=f"Note {uuid.uuid4().hex[:8]}")

    def create_body(self):
        return {"title": "Groceries", "body": "milk"}

    def update_body(self):
        return {"title": "Errands"}


def test_nothing_outside_the_app_names_it_but_the_test_settings():
    allowed = {"natjoub/test_settings.py"}
    sources = [
        *(ROOT / "natjoub").rglob("*.py"),
        *(ROOT / "auth_app").rglob("*.py"),
        *(ROOT / "inventory_app").rglob("*.py"),
    ]
    naming = {p.relative_to(ROOT).as_posix() for p in sources if "sample_service" in p.read_text()}
    assert naming == allowed


@pytest.mark.django_db
def test_its_tables_live_in_its_own_schema():
    assert tables_by_schema()["sample_schema"] == {"notes"}


@pytest.mark.django_db
def test_its_error_codes_are_registered_and_answered(sample_urls, seller_client):
    assert registered_error_codes()["SAMPLE_NOTE_EXISTS"] == "sample_service"
    assert seller_client.post(URL, {"title": "Once"}, format="json").status_code == 201
    assert_error(
        seller_client.post(URL, {"title": "Once"}, format="json"),
        409,
        "SAMPLE_NOTE_EXISTS",
        "Note with title Once already exists",
    )


@pytest.mark.django_db
def test_its_create_is_idempotent(sample_urls, seller_client):
    headers = {"HTTP_IDEMPOTENCY_KEY": "note-1"}
    first = seller_client.post(URL, {"title": "Retry me"}, format="json", **headers)
    again = seller_client.post(URL, {"title": "Retry me"}, format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Note.objects.count() == 1
    assert_error(
        seller_client.post(URL, {"title": "Something else"}, format="json", **headers),
        409,
        "IDEMPOTENCY_KEY_REUSED",
        "Idempotency-Key was already used with a different request",
    )


def test_the_schema_documents_its_routes_codes_and_idempotency():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(urlconf=URLCONF).get_schema(request=None, public=True)
    create = schema["paths"]["/api/v1/sample/notes/"]["post"]
    assert "`SAMPLE_NOTE_EXISTS`" in create["responses"]["409"]["description"]
    assert "Idempotency-Key" in {p["name"] for p in create.get("parameters", [])}
    code = schema["components"]["schemas"]["ErrorEnvelope"]["properties"]["error"]["properties"]["code"]
    assert {"SAMPLE_NOTE_NOT_FOUND", "SAMPLE_NOTE_EXISTS"} <= set(code["enum"])


@pytest.mark.django_db
def test_its_list_filter_is_a_declaration(sample_urls, seller_client):
    """tests/sample_service/filters.py: validated with the paging, applied by the selector and
    documented, with no parsing code in the app (docs/architecture.md §3.10)."""
    from drf_spectacular.generators import SchemaGenerator

    owner = uuid.uuid4()
    services.note_create(owner_id=owner, title="Mine")
    services.note_create(owner_id=uuid.uuid4(), title="Theirs")
    data = seller_client.get(URL, {"ownerId": str(owner)}).json()
    assert [note["title"] for note in data["data"]] == ["Mine"]
    assert data["meta"]["total"] == 1
    assert_validation(
        seller_client.get(URL, {"ownerId": "nope", "offset": "-1"}),
        {"ownerId": "Invalid value", "offset": "Must be a non-negative integer"},
    )
    schema = SchemaGenerator(urlconf=URLCONF).get_schema(request=None, public=True)
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/sample/notes/"]["get"]["parameters"]}
    assert parameters["ownerId"]["schema"] == {"type": "string", "format": "uuid"}
    assert {"limit", "offset"} <= set(parameters)


@pytest.mark.django_db
def test_seed_demo_runs_its_seeder_after_the_accounts(capsys):
    assert "sample" in {seeder.name for seeder in demo_seeders}
    call_command("seed_demo")
    assert "Sample notes" not in capsys.readouterr().out  # its flag not given
    assert not Note.objects.exists()
    call_command("seed_demo", "--sample-notes")
    assert "Sample notes created: 1" in capsys.readouterr().out
    note = Note.objects.get()
    assert note.title == "Welcome"
    assert note.owner_id is not None  # the admin's id, handed on by the accounts seeder
    call_command("seed_demo", "--sample-notes")
    assert "Sample notes created: 0" in capsys.readouterr().out


@pytest.mark.django_db
def test_its_dashboard_panel_is_on_the_back_office_index():
    assert "sample_notes" in {panel.name for panel in dashboard_panels}
    services.note_create(owner_id=uuid.uuid4(), title="One")
    client = Client()
    client.force_login(make_user(Role.ADMIN))
    response = client.get("/admin/")
    assert response.status_code == 200
    panels = {panel["name"]: panel["data"] for panel in response.context["dashboard_panels"]}
    assert panels["sample_notes"] == {"count": 1}
    assert '<p class="sample-notes-count">1 notes</p>' in response.content.decode()


@pytest.mark.django_db
def test_its_figures_join_the_seller_dashboard(seller_client, seller_user):
    assert "sample_notes" in {figures.name for figures in seller_dashboard}
    url = "/api/v1/seller/auth/dashboard"
    assert "sampleNotes" not in assert_ok(seller_client.get(url), 200, "Dashboard retrieved successfully")
    services.note_create(owner_id=seller_user.pk, title="Mine")
    services.note_create(owner_id=uuid.uuid4(), title="Someone else's")
    assert assert_ok(seller_client.get(url), 200, "Dashboard retrieved successfully")["sampleNotes"] == 1


@pytest.mark.django_db
def test_a_deleted_users_notes_go_with_them(admin_client):
    seller = make_user(Role.SELLER)
    services.note_create(owner_id=seller.pk, title="Mine")
    kept = services.note_create(owner_id=admin_client.user.pk, title="Admin's")
    response = admin_client.delete(f"/api/v1/admin/auth/users/{seller.pk}")
    assert_ok(response, 200, "User deleted successfully")
    assert list(Note.objects.values_list("pk", flat=True)) == [kept.pk]


@pytest.mark.django_db
def test_its_routes_exist_only_in_its_urlconf(customer_client):
    assert_error(
        customer_client.get(URL), 404, "NOT_FOUND", "The requested resource was not found", top="Resource not found"
    )
