import hashlib
from dataclasses import replace

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import quote_etag
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from apps.core.usernames import ANY_NAME
from apps.social import selectors as social_selectors

from . import selectors, services


@require_safe
def poll(request: HttpRequest) -> HttpResponse:
    """Everything live on the page in one response of out-of-band swaps: every presence badge
    (one query), and for a member the people they follow who are online (`online=1`, when
    the page shows them; two queries) and the unread notification count (`bell=1`, one)."""
    if not request.htmx:
        return HttpResponseBadRequest(_("This address is polled by the page's presence badges."))
    requested = request.GET.getlist("u")
    limit = settings.PRESENCE_MAX_USERNAMES
    usernames = list(
        dict.fromkeys(name for name in requested[: limit * 4] if ANY_NAME.fullmatch(name))
    )
    if len(usernames) > limit:
        return HttpResponseBadRequest(_("At most %(limit)s usernames per poll.") % {"limit": limit})

    me = request.user.username if request.user.is_authenticated else None
    rows = selectors.presence_rows([*usernames, me] if me else usernames, viewer=request.user)
    now = timezone.now()
    if me in rows and not rows[me].is_online:
        # Logged out on another device while this page is still open: online again.
        services.touch(user_id=request.user.pk)
        rows[me] = replace(rows[me], is_online=True, last_seen=now)

    badges = [
        selectors.presence_of(rows[name], username=name, now=now)
        for name in usernames
        if name in rows
    ]
    context = {"presences": badges, "online_now": None, "unread": None}
    if request.user.is_authenticated:
        if request.GET.get("online") == "1":
            context["online_now"], context["online_total"] = selectors.online_followed(request.user)
        if request.GET.get("bell") == "1":
            context["unread"] = social_selectors.unread_count(request.user)
    html = render_to_string("presence/poll.html", context, request)
    etag = quote_etag(hashlib.sha256(html.encode()).hexdigest()[:32])
    response = get_conditional_response(request, etag=etag) or HttpResponse(html)
    response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie", "HX-Request"])
    return response
