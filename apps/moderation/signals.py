"""Reactions to other apps' signals: what moderation does when accounts refuses a login."""

from django.dispatch import receiver

from apps.accounts.signals import login_refused

from . import services


@receiver(login_refused, dispatch_uid="moderation_login_refused")
def login_refused_told(sender, user, request=None, **kwargs) -> None:
    """The browser that proved it was a suspended member, or an applicant still waiting,
    learns nothing (it may be anyone holding the password); the member learns why from their
    own mailbox."""
    if not services.remind(member=user):
        services.remind_applicant(member=user)
