"""What a visitor meant to do when the site asked them to log in first: a like, a follow, a
comment. The visitor's own POST (CSRF-checked like any other) keeps it in their session and
sends them to the login page with `next` back where they were; after the login the app that
owns the action carries it out (or, for a comment, puts the text back as a draft). Django's
login cycles the session key but keeps an anonymous session's data, so the intent survives
the login and a signup made in the same browser.

One intent at a time (the latest), for INTENT_SECONDS; the apps check again, when they act,
that the target is still there and allowed."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect

SESSION_KEY = "visitor_intent"
INTENT_SECONDS = 30 * 60
TEXT_LIMIT = 10_000  # a comment's text is checked against its own limit when it is sent


@dataclass(frozen=True)
class Intent:
    kind: str  # "like", "follow", "comment"
    target: str  # a post's id, a member's username
    text: str = ""


def remember(request: HttpRequest, *, kind: str, target: object, text: str = "") -> None:
    """Keep what the visitor meant to do, replacing any earlier intent."""
    request.session[SESSION_KEY] = {
        "kind": kind,
        "target": str(target),
        "text": text[:TEXT_LIMIT],
        "at": int(time.time()),
    }


def _current(request: HttpRequest) -> Intent | None:
    """The visitor's intent, unless it is too old or not one this site made (then it goes)."""
    session = getattr(request, "session", None)
    if session is None or (stored := session.get(SESSION_KEY)) is None:
        return None
    try:
        age = time.time() - float(stored["at"])
        intent = Intent(str(stored["kind"]), str(stored["target"]), str(stored.get("text", "")))
    except (KeyError, TypeError, ValueError):
        age = INTENT_SECONDS + 1
    if not 0 <= age <= INTENT_SECONDS:
        del session[SESSION_KEY]
        return None
    return intent


def take(request: HttpRequest, *kinds: str, target: object = None) -> Intent | None:
    """Remove and return the intent if it is one of `kinds` (and for `target`, if given)."""
    intent = _current(request)
    if intent is None or intent.kind not in kinds:
        return None
    if target is not None and intent.target != str(target):
        return None
    del request.session[SESSION_KEY]
    return intent


def peek(request: HttpRequest, *kinds: str) -> Intent | None:
    """The intent if it is one of `kinds`, left in place."""
    intent = _current(request)
    return intent if intent is not None and intent.kind in kinds else None


def ask_to_log_in(request: HttpRequest, back: str) -> HttpResponse:
    """Send the visitor to the login page, to come back to `back` (a path on this site,
    already checked): a whole-page redirect for htmx, a plain one otherwise."""
    response = redirect_to_login(back or settings.LOGIN_REDIRECT_URL)
    if request.htmx:
        return HttpResponseClientRedirect(response["Location"])
    return response
