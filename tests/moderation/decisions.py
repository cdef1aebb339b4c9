"""Signing in and a moderator's decisions as the pages make them, shared by the moderation
tests."""

from django.test import Client

from tests.factories import PASSWORD

REASON = "Against the rules"


def log_in(username: str) -> Client:
    """A browser signed in through the login form, as the member would."""
    client = Client()
    response = client.post("/accounts/login/", {"login": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def act(client: Client, kind: str, pk: int, action: str, reason: str = REASON):
    """Dismiss or remove from the queue; suspend through its confirmation page (the queue only
    links to it)."""
    if action == "suspend":
        return suspend(client, kind, pk, reason)
    return client.post("/moderation/act/", {"kind": kind, "pk": pk, "action": action,
                                            "reason": reason})  # fmt: skip


def suspend(client: Client, kind: str, pk: int, reason: str = REASON):
    return client.post(f"/moderation/suspend/{kind}/{pk}/", {"reason": reason})
