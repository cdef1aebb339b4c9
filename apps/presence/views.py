import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import replace

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, resolve_url
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import quote_etag
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from apps.accounts.usernames import ANY_NAME
from apps.conversations import selectors as conversation_selectors
from apps.conversations import services as conversation_services
from apps.core.ops.metrics import PRESENCE_POLLS
from apps.core.web.decorators import login_required_htmx
from apps.core.web.http import local_path
from apps.core.web.ratelimit import rate_limited
from apps.feed import selectors as feed_selectors
from apps.feed import services as feed_services
from apps.profiles import services as profile_services

from . import selectors, services
from .forms import CHOOSE_MESSAGE, AppearOfflineForm


def _version(context: dict[str, object]) -> str:
    """A digest of everything presence/poll.html shows: each badge's status and the moment a
    "last seen" names, the people online now, the unread counts, the open conversation's
    newest message and who has seen it, whether the member appears offline and until when,
    the active language, and the templates themselves
    (a deploy that changes them changes every version). The page says how long ago a moment
    was (static/js/times.js), so the version holds while the clock moves on and those polls
    are answered with a 304."""
    badges = [(p.username, p.status, p.last_seen) for p in context["presences"]]
    online = context["online_now"]
    people = None
    if online is not None:
        people = [(person.username, person.display_name, _photo(person)) for person in online] + [
            context.get("online_total")
        ]
    unread = (context["unread"], context["unread_messages"])
    live = context["live"]
    conversation = (live.version(), context["after"]) if live else None
    mine = context["appearance"]
    feed = (context.get("new_posts"), context.get("new_here"))
    data = repr((translation.get_language(), _templates(), badges, people, unread, conversation,
                 mine, feed))  # fmt: skip
    return hashlib.sha256(data.encode()).hexdigest()[:32]


def _photo(user) -> str:
    profile = getattr(user, "profile", None)
    return f"{profile.photo.name}|{profile.photo_thumbnail.name}" if profile else ""


@functools.cache
def _templates() -> str:
    names = ["presence/poll.html", "presence/badge.html", "presence/online_now.html",
             "social/bell.html", "profiles/avatar.html", "conversations/messages_link.html",
             "conversations/conversation.html", "presence/appear_offline.html",
             "feed/new_posts.html"]  # fmt: skip
    sources = "".join(get_template(name).template.source for name in names)
    return hashlib.sha256(sources.encode()).hexdigest()[:16]


def touches_presence(view: Callable) -> Callable:
    """Mark a view that keeps its member online by itself (see PresenceMiddleware)."""
    view.touches_presence = True
    return view


# A conversation's id and the newest message its page shows, as the page sends them.
MESSAGE_ID = re.compile(r"[0-9]{1,18}")


def _open_conversation(request: HttpRequest) -> tuple[int, int] | None:
    """The conversation the page shows (`c`) and its newest message there (`after`), or None
    when the page shows none (or sends something else: a poll is never refused for it)."""
    conversation, after = request.GET.get("c", ""), request.GET.get("after", "")
    if MESSAGE_ID.fullmatch(conversation) and MESSAGE_ID.fullmatch(after):
        return int(conversation), int(after)
    return None


def _conversation(request: HttpRequest, context: dict[str, object]) -> None:
    """The open conversation's part of the poll: its state (one query), and when it holds
    messages newer than the page's, those (one query), read by the viewer from then on (a
    write, when they had not read them elsewhere already)."""
    opened = _open_conversation(request)
    if opened is None:
        return
    conversation_id, after = opened
    live = conversation_selectors.live_state(conversation_id, request.user)
    if live is None:
        return
    context["live"], context["after"] = live, after
    if live.newest > after:
        messages = conversation_selectors.new_messages(live, viewer=request.user, after=after)
        context["new_messages"] = messages
        up_to = messages[-1].pk if messages else live.newest
        if up_to > live.read_id:
            conversation_services.mark_read(
                user=request.user, conversation=live.conversation, up_to=up_to
            )


def _feed_tab(request: HttpRequest) -> tuple[str | None, int | None]:
    """The feed tab the page shows (`feed`) and its newest post shown (`top`, page one only),
    or None for either when the page sends none (or something else: never refused for it)."""
    feed, top = request.GET.get("feed", ""), request.GET.get("top", "")
    if feed not in feed_selectors.TABS:
        return None, None
    return feed, int(top) if MESSAGE_ID.fullmatch(top) else None


def _counts(request: HttpRequest, context: dict[str, object]) -> None:
    """The bar's unread counts (`bell=1`) and on a feed tab each tab's new posts, in one
    query. When the page's newest post is newer than where the member left off on its tab
    (a page the load did not record, such as one brought back by Back), the place moves
    there (a write) and the counts are read again."""
    feed, top = _feed_tab(request)
    counts = selectors.unread_counts(request.user, feed=feed, top=top)
    if counts.feed and counts.feed.unseen_top:
        place = feed_selectors.Place(counts.feed.unseen_top, top)
        feed_services.record_seen(user=request.user, tab=feed, place=place)
        counts = selectors.unread_counts(request.user, feed=feed)
    if request.GET.get("bell") == "1":
        context["unread"], context["unread_messages"] = counts.notifications, counts.messages
    if counts.feed:
        context["new_posts"], context["new_here"] = counts.feed.new, counts.feed.new[feed]


@touches_presence
@require_safe
def poll(request: HttpRequest) -> HttpResponse:
    """Everything live on the page in one response of out-of-band swaps: every presence badge
    (one query), and for a member the people they follow who are online (`online=1`, when
    the page shows them; one query), the unread counts of the bell and of the messages link
    (`bell=1`, one; on a feed tab, `feed=<tab>&top=<newest post shown>`, the same query
    also counts each tab's new posts), and on a conversation's page (`c=<id>&after=<newest
    message shown>`) its state (one) and, when there are any, its new messages (one, and the
    write that marks them read)."""
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
    mine = rows.get(me)
    if mine and services.touch_due(is_online=mine.is_online, last_seen=mine.last_seen, now=now):
        # The open page keeps its member online (PresenceMiddleware leaves polls to this),
        # also after a logout on another device.
        services.touch(user_id=request.user.pk)
        rows[me] = replace(mine, is_online=True, last_seen=now)

    badges = [
        selectors.presence_of(rows[name], username=name, now=now)
        for name in usernames
        if name in rows
    ]
    context = {"presences": badges, "online_now": None, "unread": None,
               "unread_messages": None, "live": None, "new_messages": [],
               "appearance": None}  # fmt: skip
    if request.user.is_authenticated:
        # The bar's "Appearing offline" state, from the member's own row read above: it ends
        # on its own, and this poll takes it off the bar then.
        context["appearance"] = selectors.own_appearance(mine, now=now)
        if request.GET.get("online") == "1":
            context["online_now"], context["online_total"] = selectors.online_followed(request.user)
        # Before the counts: the messages it brings are read once it has.
        _conversation(request, context)
        if request.GET.get("bell") == "1" or request.GET.get("feed") in feed_selectors.TABS:
            _counts(request, context)
    # Most polls find nothing changed: the version of what the page would show answers them
    # with a 304 before anything is rendered.
    etag = quote_etag(_version(context))
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(render_to_string("presence/poll.html", context, request))
    response["ETag"] = etag
    PRESENCE_POLLS.labels(status=response.status_code).inc()
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie", "HX-Request"])
    return response


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the page the form was sent from (its `next`, else the Referer), on this site."""
    back = local_path(request, request.POST.get("next", ""))
    back = back or local_path(request, request.headers.get("Referer", ""))
    return redirect(back or resolve_url(settings.LOGIN_REDIRECT_URL))


def _appearance_answer(request: HttpRequest, appearance: selectors.Appearance) -> HttpResponse:
    """htmx: the bar's new state (out of band) and what the page's live region says; without
    JavaScript, back to the page the member was on, with a flash message."""
    if request.htmx:
        context = {"appearance": appearance, "oob": True}
        html = render_to_string("presence/appear_offline.html#answer", context, request)
        return HttpResponse(html)
    messages.success(request, appearance.said)
    return _back(request)


@login_required_htmx
@require_POST
@rate_limited("appear_offline")
def appear_offline(request: HttpRequest) -> HttpResponse:
    """Appear offline to everyone else for the period chosen in the avatar menu."""
    form = AppearOfflineForm(request.POST)
    if not form.is_valid():
        messages.error(request, CHOOSE_MESSAGE)
        return HttpResponse(headers={"HX-Reswap": "none"}) if request.htmx else _back(request)
    profile = profile_services.appear_offline(user=request.user, until=form.end(timezone.now()))
    return _appearance_answer(request, selectors.own_appearance(profile))


@login_required_htmx
@require_POST
@rate_limited("appear_offline")
def stop_appearing_offline(request: HttpRequest) -> HttpResponse:
    """Show the member to others as they are again."""
    profile_services.stop_appearing_offline(user=request.user)
    return _appearance_answer(request, selectors.Appearance())
