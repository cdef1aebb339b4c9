"""What a visitor asked to do before logging in, done once they have (apps/core/web/intents.py):
a Like is given; a comment is not sent but waits in the post's comment box."""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.utils.translation import gettext as _

from apps.core.web import intents
from apps.core.web.ratelimit import consume, refusal

from . import selectors, services
from .models import Post


def _visible_post(user, target: str) -> Post | None:
    """The post an intent names, if it is still there and the member may see it (not
    removed, its author neither suspended nor on either side of a block)."""
    if not (target.isascii() and target.isdecimal() and len(target) < 19):
        return None
    return selectors.visible_posts(user, Post.objects.all()).filter(pk=int(target)).first()


@receiver(user_logged_in, dispatch_uid="feed_visitor_intent")
def carry_out_intent(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    if intent := intents.take(request, "like"):
        post = _visible_post(user, intent.target)
        if post is None:
            return
        if not consume(request, "like"):  # the member's own limits, as for a click
            messages.error(request, refusal(request), fail_silently=True)
            return
        try:
            services.set_like(user=user, post=post, liked=True)
        except (PermissionDenied, Post.DoesNotExist):
            return  # blocked, or deleted a moment ago: nothing to say
        text = _("You liked “%(title)s”.") % {"title": post.title}
        messages.success(request, text, fail_silently=True)
    elif intent := intents.peek(request, "comment"):
        post = _visible_post(user, intent.target)
        if post is None or not intent.text:
            intents.take(request, "comment")
            return
        text = _("Your comment on “%(title)s” is not sent yet: it waits in the comment box.")
        messages.info(request, text % {"title": post.title}, fail_silently=True)
