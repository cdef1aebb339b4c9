"""The seed's Online/Offline: Django's login/logout signals (allauth sends them too)."""

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from apps.core.middleware import LANGUAGE_SESSION_KEY
from apps.profiles.models import Profile

from . import services
from .middleware import SESSION_KEY


@receiver(user_logged_in, dispatch_uid="presence_user_logged_in")
def user_came_online(sender, request, user, **kwargs) -> None:
    services.mark_online(user=user)
    if request is not None and hasattr(request, "session"):
        # Just written: the activity throttle starts counting from here.
        request.session[SESSION_KEY] = time.time()
        # The member's saved language follows them to this device.
        language = Profile.objects.filter(user=user).values_list("language", flat=True).first()
        if language:
            request.session[LANGUAGE_SESSION_KEY] = language


@receiver(user_logged_out, dispatch_uid="presence_user_logged_out")
def user_went_offline(sender, request, user, **kwargs) -> None:
    # user is None when the session had already expired.
    if user is not None:
        services.mark_offline(user=user)
