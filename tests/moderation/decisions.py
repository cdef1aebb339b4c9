"""A moderator's decisions as the pages make them, shared by the moderation tests."""

from django.test import Client

REASON = "Against the rules"


def act(client: Client, kind: str, pk: int, action: str, reason: str = REASON):
    """Dismiss or remove from the queue; suspend through its confirmation page (the queue only
    links to it)."""
    if action == "suspend":
        return suspend(client, kind, pk, reason)
    return client.post("/moderation/act/", {"kind": kind, "pk": pk, "action": action,
                                            "reason": reason})  # fmt: skip


def suspend(client: Client, kind: str, pk: int, reason: str = REASON):
    return client.post(f"/moderation/suspend/{kind}/{pk}/", {"reason": reason})
