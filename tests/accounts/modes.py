"""Setting the registration mode as an operator does, and invitation links, for the tests."""

from datetime import timedelta

from django.utils import timezone

from apps.accounts.models import Invitation, SignupPolicy

QUESTION = "What brings you here?"


def set_mode(mode: str, question: str = QUESTION) -> SignupPolicy:
    policy = SignupPolicy(mode=mode, question=question)
    policy.save()
    return policy


def invitation(by, *, days: int = 7, max_uses: int = 1, **fields: object) -> Invitation:
    return Invitation.objects.create(
        created_by=by, expires=timezone.now() + timedelta(days=days), max_uses=max_uses, **fields
    )
