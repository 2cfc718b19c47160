"""Baseline WSGI app for the server benchmark: a one-line Django view, no middleware, no database."""

from django.conf import settings

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    SECRET_KEY="bench-only-not-a-secret",
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={},
)

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

urlpatterns = [path("hello", lambda request: HttpResponse("OK", content_type="text/plain"))]
application = get_wsgi_application()
