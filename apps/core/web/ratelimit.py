"""The site's own rate limits: how often one member, or one address, may post, like, follow,
search, report... (allauth keeps its own for signing in, signing up and resets).

settings.RATE_LIMITS maps an action to its rates, such as "10/m/user,30/m/ip": at most 10 a
minute per member and 30 a minute per client address. A period is s, m, h or d, optionally
with a count ("5m"). "user" counts a member by account and a guest by address, so guests do
not share one allowance; "ip" counts everyone at one address together. An action that is not
listed is not limited.

The counters live in Django's default cache (Redis, or the database table), shared by every
gunicorn worker and machine: one counter per rate, key and fixed clock window, created with
cache.add and counted with cache.incr. A burst across a window's edge can reach twice a rate;
in exchange a hit costs two cache calls and no lock (Redis counts atomically; the database
cache reads and writes, so two hits at the same instant may count once). With the cache away
(apps/core/ops/cache.py then answers "added" and 0) every hit is allowed: availability over
throttling.

A new account counts against stricter rates too for its first settings.NEW_MEMBER_HOURS:
settings.NEW_MEMBER_LIMITS maps an action to rates in the same form ("5/h/user"), counted apart
from the usual ones, so a new member gets whichever of the two is stricter. Most bots use an
account the day they make it; members who stay keep the usual limits.
"""

import ipaddress
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache, wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOO_OFTEN = _("You are doing that too often. Wait a minute and try again; nothing was changed.")
NEW_MEMBER_TOO_OFTEN = _(
    "New accounts can do this only a few times an hour during their first day. Wait a while "
    "and try again; nothing was changed."
)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
PER = {"user", "ip"}
IPV6_PREFIX = 64  # one subscriber usually holds a whole /64: count it as one address


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int
    per: str


@lru_cache(maxsize=64)
def parse_rates(text: str) -> tuple[Rate, ...]:
    """Read "10/m/user,30/5m/ip" into its rates."""
    rates = []
    for part in text.split(","):
        try:
            amount, period, per = (piece.strip() for piece in part.split("/"))
            count = int(period[:-1] or 1)
            rate = Rate(amount=int(amount), seconds=count * PERIODS[period[-1]], per=per)
        except (ValueError, IndexError, KeyError):
            raise ImproperlyConfigured(f"Bad rate {part!r} in RATE_LIMITS.") from None
        if rate.per not in PER or rate.amount < 0 or rate.seconds <= 0:
            raise ImproperlyConfigured(f"Bad rate {part!r} in RATE_LIMITS.")
        rates.append(rate)
    return tuple(rates)


def rates_for(action: str) -> tuple[Rate, ...]:
    text = (settings.RATE_LIMITS or {}).get(action)
    return parse_rates(text) if text else ()


def new_member_rates_for(action: str) -> tuple[Rate, ...]:
    text = (settings.NEW_MEMBER_LIMITS or {}).get(action)
    return parse_rates(text) if text else ()


def is_new_member(user: object) -> bool:
    """Whether `user` is an account younger than settings.NEW_MEMBER_HOURS."""
    joined = getattr(user, "date_joined", None)
    hours = settings.NEW_MEMBER_HOURS
    if not (hours and joined and getattr(user, "is_authenticated", False)):
        return False
    return joined > timezone.now() - timedelta(hours=hours)


def new_member_allowance(action: str) -> int | None:
    """The fewest `action`s a new member may take in one of its windows (for messages)."""
    rates = new_member_rates_for(action)
    return min(rate.amount for rate in rates) if rates else None


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address, or None when none can be read. Behind
    settings.TRUSTED_PROXY_COUNT proxies that each append to X-Forwarded-For, the entry the
    outermost of them appended (anything left of it is whatever the client sent). A request
    that did not come through all of them (a node reached directly behind a load balancer)
    is its peer's: REMOTE_ADDR, or over a unix socket (gunicorn behind the node's own nginx),
    the entry that nearest proxy appended. Without proxies, REMOTE_ADDR."""
    trusted = settings.TRUSTED_PROXY_COUNT
    forwarded = [entry.strip() for entry in request.headers.get("X-Forwarded-For", "").split(",")]
    if trusted > 0 and len(forwarded) >= trusted and forwarded[-trusted]:
        address = forwarded[-trusted]
    else:
        address = request.META.get("REMOTE_ADDR") or (forwarded[-1] if trusted > 0 else "")
    return _parse(address)


def client_ip(request: HttpRequest) -> str:
    """client_address, with IPv6 addresses standing for their /64 ("unknown" if unreadable):
    what the rate limits and blocklists count by."""
    ip = client_address(request)
    if ip is None:
        return "unknown"
    if ":" in ip:
        return str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX}", strict=False).network_address)
    return ip


def _parse(address: str) -> str | None:
    """An address as proxies write it ("203.0.113.7", "203.0.113.7:443", "[2001:db8::1]:443",
    "::ffff:203.0.113.7") as a plain IP address, or None."""
    if address.startswith("["):
        address = address[1:].partition("]")[0]
    elif address.count(":") == 1:
        address = address.partition(":")[0]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ip)


def consume(request: HttpRequest, action: str, *, amount: int = 1) -> bool:
    """Count `amount` of `action` (one post; the people one post mentions) by the sender of
    `request`; False when that goes over one of its rates. The rates are counted in the order
    written, a new member's after the usual ones, and a refusal counts nothing: a member over
    their own limit does not use up their address's share, and one text with too many
    mentions does not use up the hour's. refusal(request) then says why."""
    rates = [("", rate) for rate in rates_for(action)]
    user = getattr(request, "user", None)
    if is_new_member(user):
        rates += [("new:", rate) for rate in new_member_rates_for(action)]
    if not rates or amount <= 0:
        return True
    address = client_ip(request)
    member = f"user:{user.pk}" if user is not None and user.is_authenticated else f"ip:{address}"
    now = time.time()
    counted = []
    for scope, rate in rates:
        who = member if rate.per == "user" else f"ip:{address}"
        window = int(now // rate.seconds)
        key = f"ratelimit:{action}:{scope}{rate.per}:{rate.seconds}:{who}:{window}"
        counted.append(key)
        if _count(key, rate.seconds, amount) > rate.amount:
            for key in counted:
                _give_back(key, amount)
            request.too_often = NEW_MEMBER_TOO_OFTEN if scope else TOO_OFTEN
            return False
    return True


def refusal(request: HttpRequest) -> str:
    """Why consume() refused this request: the usual limit, or a new member's."""
    return getattr(request, "too_often", TOO_OFTEN)


def _count(key: str, seconds: int, amount: int = 1) -> int:
    """Add `amount` to the counter at `key`, which lives for a window of `seconds`; its new
    value."""
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key, amount)
    except ValueError:  # gone between add and incr (evicted, or expired at the window's end)
        return 0
    if cache.default_timeout is not None and seconds > cache.default_timeout:
        # The database cache's incr stores the value again with the default timeout: keep a
        # long window's counter until the window ends.
        cache.touch(key, seconds)
    return count


def _give_back(key: str, amount: int) -> None:
    with suppress(ValueError):  # gone meanwhile: nothing left to give back
        cache.decr(key, amount)


def rate_limited(action: str, *, refused=None, methods: tuple[str, ...] = ("POST",)):
    """Count a view's POSTs (or other `methods`) against settings.RATE_LIMITS[action]. Apply it
    under login_required, so guests sent to the login page are not counted.

    Over the limit, htmx requests keep their page and get a toast; a plain request gets
    `refused(request, *args, **kwargs)` when given (the form again, with what was typed),
    else the 429 page. Either way the view does not run."""

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.method in methods and not consume(request, action):
                if refused is not None and not getattr(request, "htmx", False):
                    return refused(request, *args, **kwargs)
                return too_many_requests(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """htmx: keep the page as it is and say why in a toast; otherwise a 429 page."""
    if getattr(request, "htmx", False):
        messages.warning(request, refusal(request))
        response = HttpResponse("")
        response["HX-Reswap"] = "none"
        return response
    return render(request, "429.html", {"message": refusal(request)}, status=429)
