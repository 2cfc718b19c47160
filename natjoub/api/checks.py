"""System check natjoub.E003: every ``ApplicationError`` subclass answers with a registered code
(docs/architecture.md §3.6), so no app can put a code on the wire that the OpenAPI schema does not
list or that another app also uses."""

from __future__ import annotations

from django.core.checks import Error, Tags, register

from natjoub.api.errors import ApplicationError, is_registered


def error_classes(root: type[ApplicationError] = ApplicationError) -> list[type[ApplicationError]]:
    found, pending = [], [root]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


@register(Tags.compatibility)
def check_error_codes(app_configs=None, **kwargs):
    return [
        Error(
            f"{cls.__module__}.{cls.__qualname__} answers with code {cls.code!r}, which no app registered.",
            hint="Declare it in the app's error-code enum and call register_error_codes() in AppConfig.ready().",
            obj=f"{cls.__module__}.{cls.__qualname__}",
            id="natjoub.E003",
        )
        for cls in error_classes()
        if not is_registered(cls.code)
    ]
