from tests.sample_service import selectors


def notes_panel(request) -> dict:
    return {"count": selectors.note_count()}


def seller_figures(*, user_id, role: str, days: int) -> dict:
    """The caller's note count, only once there is one (other figures stay as they are)."""
    count = selectors.note_count(owner_id=user_id)
    return {"sample_notes": count} if count else {}
