"""When an account is deleted its likes and comments cascade away; the counts stored on other
people's posts must follow (Django emits these signals, so they are the right hook)."""

from django.conf import settings
from django.db.models import Q
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver

from . import services
from .models import Post


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="feed_user_pre_delete")
def remember_touched_posts(sender, instance, **kwargs) -> None:
    instance._feed_touched_posts = list(
        Post.objects.filter(Q(likes__user=instance) | Q(comments__author=instance))
        .exclude(author=instance)
        .values_list("pk", flat=True)
        .distinct()
    )


@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="feed_user_post_delete")
def recount_touched_posts(sender, instance, **kwargs) -> None:
    services.recount(getattr(instance, "_feed_touched_posts", []))
