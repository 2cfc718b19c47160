"""ASGI entry point (unused by default; the service runs on WSGI)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "natjoub.settings")
application = get_asgi_application()
