"""What a visitor meant to do when the site asked them to log in first: a like, a follow, a
comment. The visitor's own POST (CSRF-checked like any other) keeps it in their session and
sends them to the login page with `next` back where they were; after the login the app that
owns the action carries it out (or, for a comment, puts the text back as a draft). Django's
login cycles the session key but keeps an anonymous session's data, so the intent survives
the login and a signup made in the same browser.

One intent at a time (the latest), for INTENT_SECONDS; the apps check again, when they act,
that the target is still there and allowed. An intent is carried out only by the login it led
to: its random nonce rides in the login's `next` (`?intent=…`), and a login without it (the
next person at a shared computer, a session planted by someone else) leaves it alone."""

import secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect

SESSION_KEY = "visitor_intent"
PARAMETER = "intent"
INTENT_SECONDS = 10 * 60


@dataclass(frozen=True)
class Intent:
    kind: str  # "like", "follow", "comment"
    target: str  # a post's id, a member's username
    text: str = ""


def remember(request: HttpRequest, *, kind: str, target: object, text: str = "") -> None:
    """Keep what the visitor meant to do, replacing any earlier intent; ask_to_log_in then
    carries its nonce to the login. The caller bounds `text` (a comment's own limit)."""
    nonce = secrets.token_urlsafe(16)
    request.session[SESSION_KEY] = {
        "kind": kind,
        "target": str(target),
        "text": text,
        "at": int(time.time()),
        "nonce": nonce,
    }
    request.intent_nonce = nonce


def _carried(request: HttpRequest) -> set[str]:
    """The intent nonces `request` carries: in its own address (the page a login came back
    to) or in the `next` it was sent with (the login and signup forms)."""
    found = set(request.GET.getlist(PARAMETER))
    for way_back in (request.POST.get("next"), request.GET.get("next")):
        if way_back:
            found.update(parse_qs(urlsplit(way_back).query).get(PARAMETER, []))
    return found


def _current(request: HttpRequest) -> Intent | None:
    """The visitor's intent, unless it is too old or not one this site made (then it goes)."""
    session = getattr(request, "session", None)
    if session is None or (stored := session.get(SESSION_KEY)) is None:
        return None
    try:
        age = time.time() - float(stored["at"])
        intent = Intent(str(stored["kind"]), str(stored["target"]), str(stored.get("text", "")))
        nonce = str(stored["nonce"])
    except (KeyError, TypeError, ValueError):
        age = INTENT_SECONDS + 1
    if not 0 <= age <= INTENT_SECONDS:
        del session[SESSION_KEY]
        return None
    # Kept, but not acted on, by a request that does not come from the login it led to.
    return intent if nonce in _carried(request) else None


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
    back = back or settings.LOGIN_REDIRECT_URL
    if nonce := getattr(request, "intent_nonce", None):
        scheme, netloc, path, query, fragment = urlsplit(back)
        query = "&".join(filter(None, [query, urlencode({PARAMETER: nonce})]))
        back = urlunsplit((scheme, netloc, path, query, fragment))
    response = redirect_to_login(back)
    if request.htmx:
        return HttpResponseClientRedirect(response["Location"])
    return response
