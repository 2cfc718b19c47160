from django.apps import AppConfig


class NatjoubConfig(AppConfig):
    """Project-wide pieces: system checks, the `serve` command, shared templates."""

    name = "natjoub"
    verbose_name = "NatJoub"

    def ready(self) -> None:
        from natjoub.db import checks  # noqa: F401 - registers the schema check
