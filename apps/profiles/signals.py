"""Reactions of profiles to what happens to a user, which accounts (below) cannot know about."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver

from . import selectors, services
from .theme import THEME_SESSION_KEY


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="profiles_user_created")
def profile_for_new_user(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """Every way a user comes to exist (signup, social signup, createsuperuser, the admin)
    saves a new User, and User.save makes that and this one transaction."""
    if created and not raw:
        services.create_profile(user=instance)


@receiver(user_logged_in, dispatch_uid="profiles_user_logged_in")
def theme_follows_member(sender, request, user, **kwargs) -> None:
    """The member's saved theme applies on the device they just logged in on."""
    if request is not None and hasattr(request, "session"):
        request.session[THEME_SESSION_KEY] = selectors.theme_of(user=user)
