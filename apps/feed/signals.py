"""A member's account can be deleted from several places (their account page, the admin);
Django's delete signals are where the feed cleans up after it, whichever place it was."""

from django.conf import settings
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver

from . import services


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="feed_member_pre_delete")
def remember_footprint(sender, instance, **kwargs) -> None:
    instance._feed_footprint = services.member_footprint(user=instance)


@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="feed_member_post_delete")
def forget_member(sender, instance, **kwargs) -> None:
    if footprint := getattr(instance, "_feed_footprint", None):
        services.forget_member(footprint=footprint)
