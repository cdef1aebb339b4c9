"""Who may write to whom. Services enforce these; views show the reasons."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.translation import gettext_lazy as _

from apps.social import selectors as social_selectors

from .models import Preferences, WhoMayWrite

NOT_ACCEPTING = _("%(name)s does not accept messages.")
ONLY_FOLLOWED = _("%(name)s accepts messages only from people they follow.")
BLOCKED = _("You cannot write to %(name)s.")
SUSPENDED = _("%(name)s cannot receive messages.")
NOT_WITH_THESE = _("%(name)s cannot be in a group with these members.")


def who_may_write(user: AbstractBaseUser) -> str:
    row = Preferences.objects.filter(user=user).values_list("who_may_write", flat=True).first()
    return row or WhoMayWrite.EVERYONE


def refusal_to_start(sender: AbstractBaseUser, recipient: AbstractBaseUser) -> str | None:
    """Why `sender` may not start a conversation with `recipient` (or add them to a group),
    as a sentence for the sender; None when they may. A block either way reads the same as
    any other refusal for the blocked side."""
    name = recipient.display_name
    if not recipient.is_active:
        return SUSPENDED % {"name": name}
    if social_selectors.is_blocked_between(sender.pk, recipient.pk):
        return BLOCKED % {"name": name}
    setting = who_may_write(recipient)
    if setting == WhoMayWrite.NOBODY:
        return NOT_ACCEPTING % {"name": name}
    if setting == WhoMayWrite.FOLLOWED and not social_selectors.followed_among(
        recipient, [sender.pk]
    ):
        return ONLY_FOLLOWED % {"name": name}
    return None


def refusal_to_group(member: AbstractBaseUser, others: list[int]) -> str | None:
    """Why `member` may not be in one group with the members `others` (ids): a block between
    them and any of them (a block keeps two members apart, in a group too). The sentence
    names no one else, so it tells the starter of no block between two other members."""
    others = [pk for pk in others if pk != member.pk]
    if others and social_selectors.is_blocked_between(member.pk, *others):
        return NOT_WITH_THESE % {"name": member.display_name}
    return None
