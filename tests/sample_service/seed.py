from natjoub.registry import SeedContext
from tests.sample_service.models import Note

DEMO_TITLE = "Welcome"


def demo_seeder(ctx: SeedContext) -> list[str]:
    """With --sample-notes, one note for the demo admin (from the accounts seeder), once."""
    if not ctx.options.get("sample_notes"):
        return []
    _note, created = Note.objects.get_or_create(owner_id=ctx.values["admin_id"], title=DEMO_TITLE)
    return [f"Sample notes created: {int(created)}"]
