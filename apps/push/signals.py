"""A browser gets a member's push notifications only while it is signed in as them: when its
session ends, by any road, its subscription goes too.

Sessions end in accounts (signing out one device, signing out the others, suspension and
deletion through accounts.services.end_sessions) and in allauth (its session list's purge of
expired sessions): every road deletes the session's allauth.usersessions row, so push, above
accounts, reacts to that row's deletion. Logging out flushes the session without deleting
the row at once, so push reacts to user_logged_out too."""

from allauth.account.signals import password_changed, password_set
from allauth.usersessions.models import UserSession
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete
from django.dispatch import receiver

from . import services


@receiver(post_delete, sender=UserSession, dispatch_uid="push_session_ended")
def session_ended(sender, instance: UserSession, **kwargs) -> None:
    services.forget_sessions(session_keys=[instance.session_key])


@receiver(user_logged_out, dispatch_uid="push_user_logged_out")
def logged_out(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        services.forget_sessions(session_keys=[session.session_key])


@receiver(password_changed, dispatch_uid="push_password_changed")
@receiver(password_set, dispatch_uid="push_password_set")
def session_renewed(sender, request, user, **kwargs) -> None:
    """A password change keeps the member signed in here under a new session key: this
    browser's subscription follows it, or the old key's purge would end it."""
    session = getattr(request, "session", None)
    subscription_id = session.get(services.SESSION_SUBSCRIPTION) if session is not None else None
    if isinstance(subscription_id, int) and session.session_key:
        services.follow_session(
            subscription_id=subscription_id, user=user, session_key=session.session_key
        )
