"""Reads of conversations."""

from django.contrib.auth.base_user import AbstractBaseUser

from .models import Participant


def has_conversations_of(*, members: list[AbstractBaseUser]) -> bool:
    """Whether any of `members` is in a conversation (the demo writes its own only once)."""
    return Participant.objects.filter(user__in=members).exists()
