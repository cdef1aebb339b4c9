"""What push hears from the apps below it, through the hooks they offer (it cannot be told
directly: they may not import it). Connected in apps.py ready()."""

from .tasks import ask_later


def notified(*, recipient_id: int) -> None:
    """social made a notification for this member (called once it is committed)."""
    ask_later([recipient_id])


def went_offline(*, user_ids: list[int]) -> None:
    """presence marked these members offline: what the bell showed them unread is theirs to
    be pushed now."""
    ask_later(user_ids)
