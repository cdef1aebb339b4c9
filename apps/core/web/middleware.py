"""Site-wide middleware.

HtmxMessagesMiddleware: a swap replaces part of a page, so the page's message area never
re-renders. Pending messages are appended to htmx HTML responses as an out-of-band swap into
the toast region instead, so a message added by any view shows up whatever was swapped.
Requests the page makes by itself (the presence poll, marked `X-Background: 1`) never take
them: a message waits for the next thing the person does or the next page.

FreshPagesMiddleware: what the browser may keep (see its docstring)."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers, patch_vary_headers


class HtmxMessagesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or request.htmx.boosted:
            return response
        if request.headers.get("X-Background") == "1":
            return response
        # Redirects (including HX-Redirect/HX-Refresh) keep messages for the next full page.
        # htmx does not swap error responses, so their messages wait for the next page.
        if (
            not 200 <= response.status_code < 300
            or "HX-Redirect" in response
            or "HX-Refresh" in response
            or response.streaming
            or not response.get("Content-Type", "").startswith("text/html")
        ):
            return response
        storage = get_messages(request)
        if not storage:
            return response
        response.write(
            render_to_string("partials/messages.html", {"messages": storage, "oob": True}, request)
        )
        return response


class FreshPagesMiddleware:
    """Pages show per-person, changing state (counts, threads, who is online), so the browser
    keeps no copy of an HTML page (`no-store`): Back shows the page as it is now, never an old
    copy that disagrees with what was done since. Views that set their own caching (the
    presence poll's ETag, uploaded images, the pages Back may restore: kept_for_back) keep
    it. Every response says it varies with HX-Request, because the same address answers a
    fragment to htmx and a page otherwise.

    When the session changes hands (a sign-in, a sign-out: the session cookie is replaced or
    removed), the response clears the browser's cached copies of this site's pages and its
    back/forward cache (`Clear-Site-Data: "cache"`), so Back never shows one member's pages
    after they left."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_vary_headers(response, ["HX-Request"])
        is_html = response.get("Content-Type", "").startswith("text/html")
        if is_html and "Cache-Control" not in response:
            add_never_cache_headers(response)
        if _session_changed_hands(request, response):
            response["Clear-Site-Data"] = '"cache"'
        return response


def _session_changed_hands(request: HttpRequest, response: HttpResponse) -> bool:
    """The request came with a session cookie and the response replaces or deletes it."""
    name = settings.SESSION_COOKIE_NAME
    before = request.COOKIES.get(name)
    after = response.cookies.get(name)
    return bool(before) and after is not None and after.value != before
