"""OPTIONS answers: the view's name and description, never a form introspection.

DRF's SimpleMetadata builds forms from ``get_serializer()``/``get_object()``, which our
viewsets (separate input/output serializers per action) do not provide: it would fail with 500.
"""

from rest_framework.metadata import SimpleMetadata


class MinimalMetadata(SimpleMetadata):
    def determine_metadata(self, request, view):
        return {"name": view.get_view_name(), "description": view.get_view_description()}
