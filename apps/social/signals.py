"""A visitor's Follow, kept while they logged in (apps/core/web/intents.py), done once they
have: unless the member is gone, suspended, themselves, or a block stands between them."""

from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied, ValidationError
from django.dispatch import receiver
from django.http import Http404
from django.utils.translation import gettext as _

from apps.accounts.selectors import get_active_member
from apps.core.web import intents
from apps.core.web.ratelimit import consume, refusal

from . import services


@receiver(user_logged_in, dispatch_uid="social_visitor_intent")
def carry_out_intent(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    if (intent := intents.take(request, "follow")) is None:
        return
    if not consume(request, "follow"):  # the member's own limits (a new member's too)
        messages.error(request, refusal(request), fail_silently=True)
        return
    try:
        member = get_active_member(intent.target)
        services.follow(follower=user, followee=member)
    except (Http404, PermissionDenied, ValidationError):
        return
    text = _("You follow @%(username)s.") % {"username": member.username}
    messages.success(request, text, fail_silently=True)
