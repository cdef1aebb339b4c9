"""Reactions to Django's login signal that belong to the account."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from apps.core.throttle import start_interval

from .middleware import SESSION_KEY


@receiver(user_logged_in, dispatch_uid="accounts_user_logged_in")
def session_recorded(sender, request, user, **kwargs) -> None:
    # allauth records the new session at login: the activity beat counts from here.
    if request is not None and hasattr(request, "session"):
        start_interval(request.session, SESSION_KEY)
