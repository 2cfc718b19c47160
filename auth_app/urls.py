"""Auth API routes (filled by the auth viewsets)."""

urlpatterns: list = []
