"""Following, blocking, muting and notifications. Views parse, call a service or selector,
render."""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRefresh

from apps.accounts.selectors import get_active_member
from apps.core.web import intents
from apps.core.web.decorators import login_required_htmx
from apps.core.web.http import local_path
from apps.core.web.ratelimit import rate_limited

from . import selectors, services
from .forms import NotificationSettingsForm
from .kinds import KINDS, TABS

# The element id of a feed card (templates/feed/feed.html#card), which a mute note replaces.
CARD = re.compile(r"post-[0-9]{1,19}")

# --- Following -------------------------------------------------------------------------------


@require_POST
@rate_limited("follow")
def follow(request: HttpRequest, username: str) -> HttpResponse:
    """POST follow=1 to follow, follow=0 to stop. With htmx: every follow button for this
    member on the page (place "profile" or "card") out of band, and on the profile the
    follower count; without: back to where the form was. A visitor's Follow is kept for
    after the login (apps/social/signals.py), which comes back to the same page."""
    member = get_active_member(username)
    if not request.user.is_authenticated:
        if request.POST.get("follow") == "1":
            intents.remember(request, kind="follow", target=member.username)
        back = local_path(request, request.POST.get("next", "")) or member.get_absolute_url()
        return intents.ask_to_log_in(request, back)
    try:
        if request.POST.get("follow") == "1":
            services.follow(follower=request.user, followee=member)
        else:
            services.unfollow(follower=request.user, followee=member)
    except ValidationError as error:
        return HttpResponseBadRequest(error.messages[0])
    if not request.htmx:
        return redirect(local_path(request, request.POST.get("next", "")) or member)
    place = "profile" if request.POST.get("place") == "profile" else "card"
    context = {
        "member": member,
        "following": request.POST.get("follow") == "1",
        "place": place,
        "oob": True,
        "next": _current_path(request),
    }
    html = render_to_string("social/follow_button.html", context, request)
    if place == "profile":
        context["counts"] = selectors.follow_counts(member)
        html += render_to_string("social/follow_counts.html", context, request)
    return HttpResponse(html)


def _current_path(request: HttpRequest) -> str:
    """The page the htmx request came from, for the swapped form's no-JavaScript fallback."""
    try:
        return request.htmx.current_url_abs_path or ""
    except ValueError:  # a malformed HX-Current-URL header
        return ""


# --- Blocking --------------------------------------------------------------------------------


@login_required_htmx
@require_http_methods(["GET", "POST"])
@rate_limited("block")
def block(request: HttpRequest, username: str) -> HttpResponse:
    """GET asks first; POST block=1 blocks, block=0 unblocks; both go back to the profile or
    to `next` (the account page lists blocked members)."""
    member = get_active_member(username)
    if request.method == "GET":
        relation = selectors.relationship(request.user, member)
        return render(request, "social/block.html", {"member": member, "relation": relation})
    try:
        if request.POST.get("block") == "1":
            services.block(blocker=request.user, blocked=member)
            messages.success(
                request, _("You blocked @%(username)s.") % {"username": member.username}
            )
        else:
            services.unblock(blocker=request.user, blocked=member)
            messages.success(
                request, _("You unblocked @%(username)s.") % {"username": member.username}
            )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return redirect(local_path(request, request.POST.get("next", "")) or member)


# --- Muting ----------------------------------------------------------------------------------


@login_required_htmx
@require_POST
@rate_limited("mute")
def mute(request: HttpRequest, username: str) -> HttpResponse:
    """POST mute=1 mutes, mute=0 unmutes; the member is not told. With htmx from a feed card
    (`card`, the card's element id): the card gives way to a note with Undo, and the member's
    other cards on the page go. Otherwise with htmx the page reloads, and without JavaScript
    the browser goes back to `next` (or to the member's profile); both say what was done."""
    member = get_active_member(username)
    muting = request.POST.get("mute") == "1"
    try:
        if muting:
            services.mute(muter=request.user, muted=member)
        else:
            services.unmute(muter=request.user, muted=member)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        card = request.POST.get("card", "")
        if request.htmx and muting and CARD.fullmatch(card):
            context = {"member": member, "card": card, "next": _current_path(request)}
            return render(request, "social/mute_note.html", context)
        if muting:
            text = _("You muted @%(username)s: their posts, comments and notifications no "
                     "longer reach you. They are not told.")  # fmt: skip
        else:
            text = _("You unmuted @%(username)s.")
        messages.success(request, text % {"username": member.username})
    if request.htmx:
        return HttpResponseClientRefresh()
    return redirect(local_path(request, request.POST.get("next", "")) or member)


# --- Notifications ---------------------------------------------------------------------------


@login_required_htmx
@require_safe
def notifications(request: HttpRequest) -> HttpResponse:
    """The member's notifications (`kind`: only those of a kind that has a tab). Reading the
    page marks what it shows as read, as every social site does: a GET may, because it only
    ever touches the reader's own rows and doing it twice changes nothing (not a HEAD, nor a
    browser's prefetch, which nobody reads). The lines still say which were new, and the bell
    on this very page counts only what is left."""
    kind = _kind(request)
    page = selectors.notification_page(request.user, number=request.GET.get("page", 1), kind=kind)
    if request.method == "GET" and not _prefetch(request):
        services.mark_seen(user=request.user, lines=page.object_list)
    context = {"page": page, "unread": selectors.unread_count(request.user), **_tabs(kind)}
    return render(request, "social/notifications.html", context)


def _kind(request: HttpRequest) -> str:
    kind = request.GET.get("kind", "")
    return kind if kind in TABS else ""


def _prefetch(request: HttpRequest) -> bool:
    """A request the browser makes ahead of a click that may never come, or one another site
    started (a link or redirect there must not mark the reader's notifications read)."""
    purpose = request.headers.get("Sec-Purpose", "") or request.headers.get("Purpose", "")
    elsewhere = request.headers.get("Sec-Fetch-Site", "same-origin") not in {"same-origin", "none"}
    return "prefetch" in purpose or "prerender" in purpose or elsewhere


def _tabs(kind: str) -> dict[str, object]:
    """The filter tabs: All, then one per kind that has a tab; each with its query string."""
    tabs = [("", _("All"))] + [(name, KINDS[name].label) for name in TABS]
    return {
        "kind": kind,
        "query": f"kind={kind}" if kind else "",
        "tabs": [
            {"label": label, "query": f"?kind={name}" if name else "", "current": name == kind}
            for name, label in tabs
        ],
    }


@login_required_htmx
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(user=request.user)
    kind = _kind(request)
    if not request.htmx:
        messages.success(request, _("All notifications are marked as read."))
        return redirect(reverse("social:notifications") + (f"?kind={kind}" if kind else ""))
    page = selectors.notification_page(request.user, kind=kind)
    context = {"page": page, "unread": 0, "focus_list": True, **_tabs(kind)}
    html = render_to_string("social/notifications.html#list", context, request)
    html += render_to_string("social/bell.html", {"unread": 0, "oob": True}, request)
    return HttpResponse(html)


@login_required_htmx
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Which kinds of notification the member wants (all, unless switched off here)."""
    muted = selectors.muted_kinds(request.user)
    digest = selectors.wants_digest(request.user)
    form = NotificationSettingsForm(request.POST or None, muted=muted, digest=digest)
    if request.method == "POST" and form.is_valid():
        services.save_settings(
            user=request.user,
            muted=form.muted_kinds(),
            digest=form.cleaned_data["digest"],
            language=request.LANGUAGE_CODE,
        )
        messages.success(request, _("Notification settings saved."))
        return redirect("social:settings")
    return render(request, "social/notification_settings.html", {"form": form})
