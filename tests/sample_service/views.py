from auth_app.permissions import AnyRole, IsAdminOrSeller
from natjoub.api.idempotency import idempotent
from natjoub.api.views import ApiViewSet
from tests.sample_service import selectors, services
from tests.sample_service.exceptions import NoteExists, NoteNotFound
from tests.sample_service.filters import NoteFilterSet
from tests.sample_service.serializers import NoteInput, NoteOutput, NoteUpdateInput


class NoteViewSet(ApiViewSet):
    permission_map = {
        "list": [AnyRole],
        "retrieve": [AnyRole],
        "create": [IsAdminOrSeller],
        "update": [IsAdminOrSeller],
        "destroy": [IsAdminOrSeller],
    }
    error_map = {
        "create": (NoteExists,),
        "retrieve": (NoteNotFound,),
        "update": (NoteNotFound, NoteExists),
        "destroy": (NoteNotFound,),
    }
    filterset_classes = {"list": NoteFilterSet}
    serializer_class = NoteOutput

    def list(self, request):
        source = selectors.note_list(**self.list_filters())
        return self.list_response(source, NoteOutput, "Notes retrieved successfully")

    @idempotent(body=NoteInput, output=NoteOutput)
    def create(self, request, data):
        note = services.note_create(owner_id=request.user.pk, **data)
        return self.respond(NoteOutput(note).data, "Note created successfully", 201)

    def retrieve(self, request, pk):
        return self.respond(NoteOutput(selectors.note_get(pk)).data, "Note retrieved successfully")

    def update(self, request, pk):
        note = services.note_update(note_id=pk, changes=self.validated(NoteUpdateInput))
        return self.respond(NoteOutput(note).data, "Note updated successfully")

    def destroy(self, request, pk):
        services.note_delete(note_id=pk)
        return self.respond(None, "Note deleted successfully")
