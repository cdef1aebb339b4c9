"""The push section of the notification settings: turning push on and off in this browser,
the member's devices, the kinds pushed and quiet hours. Subscribing and unsubscribing answer
static/js/push.js in JSON; the rest are forms that work without JavaScript too."""

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from apps.accounts.devices import describe_browser
from apps.core.web.decorators import login_required_htmx
from apps.core.web.ratelimit import consume, rate_limited, refusal
from apps.social import selectors as social_selectors

from . import keys, selectors, services
from .forms import BAD_SUBSCRIPTION, PreferencesForm, SubscriptionForm

# A subscription is a few hundred bytes; anything much bigger is not one.
MAX_BODY_BYTES = 8 * 1024
SECTION = "push/settings.html#section"


def section_context(request: HttpRequest, form: PreferencesForm | None = None) -> dict:
    """What the push section shows (also for the template tag that puts it on the page)."""
    found = selectors.push_settings(request.user, session_key=request.session.session_key)
    bell_muted = social_selectors.muted_kinds(request.user)
    if form is None:
        form = PreferencesForm(
            muted=found.muted,
            bell_muted=bell_muted,
            quiet_from=found.preferences.quiet_from,
            quiet_until=found.preferences.quiet_until,
        )
    return {
        "push": found,
        "form": form,
        "bell_muted": bell_muted,
        "configured": keys.configured(),
        "public_key": keys.public_key(),
    }


def _section(request: HttpRequest, form: PreferencesForm | None = None, **extra) -> HttpResponse:
    context = section_context(request, form) | extra
    template = SECTION if request.htmx else "push/settings.html"
    # htmx swaps only what answers 200 here; the page without it says 400.
    status = 400 if form is not None and form.errors and not request.htmx else 200
    return render(request, template, context, status=status)


@login_required_htmx
@require_safe
def push_settings(request: HttpRequest) -> HttpResponse:
    """The push section: the fragment for htmx (after this browser turned push on or off),
    else a page of its own."""
    return _section(request)


def _json_error(message: object, status: int = 400) -> JsonResponse:
    return JsonResponse({"ok": False, "error": str(message)}, status=status)


def _payload(request: HttpRequest) -> dict | JsonResponse:
    """The body as a dict, from JSON or a form; a JsonResponse saying why not."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = MAX_BODY_BYTES + 1
    if length > MAX_BODY_BYTES:
        return _json_error(BAD_SUBSCRIPTION)
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return _json_error(BAD_SUBSCRIPTION)
        return data if isinstance(data, dict) else _json_error(BAD_SUBSCRIPTION)
    post = request.POST
    return {
        "endpoint": post.get("endpoint"),
        "keys": {"p256dh": post.get("p256dh"), "auth": post.get("auth")},
        "timeZone": post.get("timeZone", ""),
    }


def _too_often(request: HttpRequest) -> JsonResponse | None:
    if consume(request, "push_settings"):
        return None
    return _json_error(refusal(request), status=429)


@login_required_htmx
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    """Keep this browser's push subscription: the JSON of PushSubscription.toJSON() with the
    browser's `timeZone` (or the same as form fields endpoint, p256dh, auth, timeZone)."""
    if not keys.configured():
        return _json_error(_("Push notifications are not set up on this site."), status=409)
    if refused := _too_often(request):
        return refused
    data = _payload(request)
    if isinstance(data, JsonResponse):
        return data
    form = SubscriptionForm.from_json(data)
    if not form.is_valid():
        return _json_error(next(iter(form.errors.values()))[0])
    # A subscription the browser renewed by itself (the worker's pushsubscriptionchange) names
    # the one it replaces: taken only if that one is this member's, so a browser that signed
    # out is not turned on for whoever signs in next without their asking.
    replaces = data.get("replaces") if isinstance(data, dict) else None
    if replaces is not None and not services.replace(user=request.user, endpoint=replaces):
        return _json_error(_("This browser's push subscription is not yours to renew."))
    if not request.session.session_key:
        request.session.save()
    subscription = services.subscribe(
        user=request.user,
        endpoint=form.cleaned_data["endpoint"],
        p256dh=form.cleaned_data["p256dh"],
        auth=form.cleaned_data["auth"],
        device=describe_browser(request.headers.get("User-Agent"))[:120],
        session_key=request.session.session_key,
        time_zone=form.cleaned_data["time_zone"],
    )
    request.session[services.SESSION_SUBSCRIPTION] = subscription.pk
    return JsonResponse({
        "ok": True,
        "id": subscription.pk,
        "device": subscription.device,
        "message": str(_("Push notifications are on for this browser.")),
    })  # fmt: skip


@login_required_htmx
@require_POST
def unsubscribe(request: HttpRequest) -> HttpResponse:
    """Forget this browser's subscription ({"endpoint": …}, or the form field), as it turns
    push off. Saying so twice is no error."""
    if refused := _too_often(request):
        return refused
    data = _payload(request)
    if isinstance(data, JsonResponse):
        return data
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > 1024:
        return _json_error(BAD_SUBSCRIPTION)
    removed = services.unsubscribe(user=request.user, endpoint=endpoint)
    request.session.pop(services.SESSION_SUBSCRIPTION, None)
    return JsonResponse({
        "ok": True,
        "removed": removed,
        "message": str(_("Push notifications are off for this browser.")),
    })  # fmt: skip


@login_required_htmx
@require_POST
@rate_limited("push_settings")
def remove_device(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """Stop pushing to one of the member's devices (404 for anyone else's)."""
    if not services.remove_device(user=request.user, subscription_id=subscription_id):
        raise Http404
    done = _("That device gets no more push notifications.")
    if not request.htmx:
        messages.success(request, done)
        return redirect(reverse("social:settings") + "#push")
    return _section(request, status_message=done)


@login_required_htmx
@require_POST
@rate_limited("push_settings")
def save_preferences(request: HttpRequest) -> HttpResponse:
    """Save the kinds pushed and the quiet hours; errors come back beside the fields, with
    what was typed."""
    found = selectors.push_settings(request.user, session_key=None)
    bell_muted = social_selectors.muted_kinds(request.user)
    form = PreferencesForm(request.POST, muted=found.muted, bell_muted=bell_muted)
    if not form.is_valid():
        return _section(request, form)
    services.save_preferences(
        user=request.user,
        muted=form.muted_kinds(),
        keep=bell_muted,
        quiet_from=form.cleaned_data["quiet_from"],
        quiet_until=form.cleaned_data["quiet_until"],
        time_zone=form.cleaned_data["time_zone"],
    )
    done = _("Push settings saved.")
    if not request.htmx:
        messages.success(request, done)
        return redirect(reverse("social:settings") + "#push")
    return _section(request, status_message=done)
