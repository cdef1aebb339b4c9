"""The web app's own addresses, at the site's root: the manifest, the service worker (its
scope is the folder it is served from, so it must be /sw.js to cover every page) and the page
it shows when a page cannot be fetched."""

import copy
import hashlib
import json
import re

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_safe

from apps.core.web.heartbeat import not_member_activity

from . import icons

OFFLINE_TEMPLATE = "app/offline.html"
# Light and dark: the bar's mint and its dark counterpart (static/css/site.css --et-bar), so
# the browser's own bar continues the site's; the page's warm grey behind the splash icon.
THEME_COLORS = {"light": "#e3f6ee", "dark": "#10211d"}
BACKGROUND_COLOR = "#f4f3f1"
# Where a notification's click goes when its address is missing or not on this site.
NOTIFICATIONS_PATH = "/notifications/"
# Revalidated on every use: a release changes the manifest's and the worker's addresses.
REVALIDATE = "no-cache"
_LINKED = re.compile(r'(?:src|href)="([^"]+)"')


def _as_visitor(request: HttpRequest) -> HttpRequest:
    """The request as a visitor's: what the worker keeps is the same for everybody, with
    nothing of the member in it and none of their flash messages (they stay for the page
    they were meant for)."""
    visitor = copy.copy(request)
    visitor.user = AnonymousUser()
    visitor._messages = []
    return visitor


@not_member_activity
@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: what a browser needs to install the site as an app."""
    by_name = {icon.name: icon for icon in icons.ICONS}

    def entry(name: str, purpose: str) -> dict[str, str]:
        icon = by_name[name]
        return {
            "src": static(icon.path),
            "sizes": f"{icon.size}x{icon.size}",
            "type": "image/png",
            "purpose": purpose,
        }

    data = {
        "id": "/",
        "name": "Eternity",
        "short_name": "Eternity",
        "description": gettext("Eternity: profiles, presence and a feed of posts."),
        "lang": get_language(),
        "dir": "ltr",
        "start_url": "/?source=app",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "background_color": BACKGROUND_COLOR,
        "theme_color": THEME_COLORS["light"],
        "categories": ["social"],
        "icons": [
            entry("icon-192.png", "any"),
            entry("icon-512.png", "any"),
            entry("icon-maskable-512.png", "maskable"),
        ],
    }
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/manifest+json; charset=utf-8",
    )
    response["Cache-Control"] = REVALIDATE
    return response


def push_subscribe_path() -> str | None:
    """Where a page sends a subscription the browser renewed (the push app's address, by
    name: core imports no app), or None on a site without it."""
    try:
        return reverse("push:subscribe")
    except NoReverseMatch:
        return None


def static_prefix() -> str:
    """Where static files are served from (a folder here, or a bucket's), as pages name them."""
    url = static(icons.ICONS[0].path)
    return url[: url.rindex(f"{icons.PREFIX}/")]


def shell_urls(request: HttpRequest) -> list[str]:
    """What the worker keeps for offline use: the offline page and every static file it links
    (the same CSS and scripts as every page), plus the app's icons."""
    page = render_to_string(OFFLINE_TEMPLATE, request=_as_visitor(request))
    prefix = static_prefix()
    linked = {url.replace("&amp;", "&") for url in _LINKED.findall(page) if url.startswith(prefix)}
    linked.update(static(icon.path) for icon in icons.ICONS)
    return [reverse("core:offline"), *sorted(linked)]


@not_member_activity
@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker (templates/app/sw.js). Its cache is named for the shell's addresses,
    hashed in production: a release with any new file installs a new cache and drops the old."""
    shell = shell_urls(request)
    version = hashlib.sha256("\n".join(shell).encode()).hexdigest()[:12]
    config = {
        "cache": f"eternity-shell-{version}",
        "shell": shell,
        "offline": reverse("core:offline"),
        "staticPrefix": static_prefix(),
        "icon": static("app/icon-192.png"),
        "badgeIcon": static("app/badge-96.png"),
        "notificationsPath": NOTIFICATIONS_PATH,
        "subscribePath": push_subscribe_path(),
        "genericTitle": "Eternity",
        "genericBody": gettext("You have new notifications on Eternity"),
    }
    # JSON is JavaScript: the worker reads its settings from one literal.
    context = {"config": mark_safe(json.dumps(config, ensure_ascii=False, indent=2))}  # noqa: S308
    response = render(request, "app/sw.js", context, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = REVALIDATE
    return response


@not_member_activity
@require_safe
def offline(request: HttpRequest) -> HttpResponse:
    """The page the worker shows when a page cannot be fetched, rendered as for a visitor."""
    return render(_as_visitor(request), OFFLINE_TEMPLATE)
