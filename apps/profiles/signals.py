"""Reactions of profiles to what Django and allauth emit about a user."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from apps.core.middleware import LANGUAGE_SESSION_KEY

from . import selectors, services
from .theme import THEME_SESSION_KEY


@receiver(user_logged_in, dispatch_uid="profiles_user_logged_in")
def preferences_follow_member(sender, request, user, **kwargs) -> None:
    """The member's saved language and theme apply on the device they just logged in on."""
    if request is None or not hasattr(request, "session"):
        return
    language, theme = selectors.preferences_of(user=user)
    if language:
        request.session[LANGUAGE_SESSION_KEY] = language
    request.session[THEME_SESSION_KEY] = theme


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="profiles_member_deleted")
def forget_member(sender, instance, **kwargs) -> None:
    """Whichever way an account is deleted (account page, admin), its photos go too."""
    services.forget_member(user=instance)
