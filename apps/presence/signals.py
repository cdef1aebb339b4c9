"""Online at login, offline at logout: Django's signals, which allauth sends too."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from apps.core.web.heartbeat import start_interval

from . import services
from .middleware import SESSION_KEY


@receiver(user_logged_in, dispatch_uid="presence_user_logged_in")
def user_came_online(sender, request, user, **kwargs) -> None:
    services.mark_online(user=user)
    if request is not None and hasattr(request, "session"):
        start_interval(request.session, SESSION_KEY)  # just written: the throttle counts from now


@receiver(user_logged_out, dispatch_uid="presence_user_logged_out")
def user_went_offline(sender, request, user, **kwargs) -> None:
    # user is None when the session had already expired.
    if user is not None:
        services.mark_offline(user=user)
