"""The site's own rate limits (apps/core/ratelimit.py): who is counted, in which bucket, and
what happens when the cache that holds the counters is away."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from apps.core.web.ratelimit import parse_rates
from apps.feed.models import Like
from apps.social.models import Follow
from tests.factories import PostFactory, UserFactory
from tests.servers import HeldPort

pytestmark = pytest.mark.django_db

GUEST_A, GUEST_B = "198.51.100.1", "198.51.100.2"
PROXY = "10.0.0.2"  # the load balancer, as the app sees it


def search(client: Client, forwarded_for: str | None = None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.get("/search/", {"q": "tea"}, headers=headers)


def like(client: Client, post, liked: bool):
    return client.post(f"/posts/{post.pk}/like/", {"liked": "1" if liked else "0"})


def member_client(**defaults) -> Client:
    client = Client(**defaults)
    client.force_login(UserFactory())
    return client


# --- Who is counted --------------------------------------------------------------------------


def test_one_guest_searching_too_often_does_not_stop_other_guests(rate_window):
    flooder = Client(REMOTE_ADDR=GUEST_A)
    statuses = [search(flooder).status_code for _ in range(121)]
    assert statuses == [200] * 120 + [429]
    assert search(Client(REMOTE_ADDR=GUEST_B)).status_code == 200


def test_a_member_over_the_like_limit_is_refused_while_a_member_at_the_same_address_is_served(
    rate_window,
):
    post = PostFactory()
    eager, other = member_client(), member_client()
    statuses = [like(eager, post, liked=n % 2 == 0).status_code for n in range(61)]
    assert statuses == [302] * 60 + [429]
    assert like(other, post, liked=True).status_code == 302
    assert Like.objects.filter(post=post).count() == 1  # the other member's


def test_members_at_one_address_share_its_limit(settings, rate_window):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"follow": "2/m/user,3/m/ip"}
    followed = UserFactory()
    first, second = member_client(), member_client()
    url = f"/u/{followed.username}/follow/"
    statuses = [first.post(url, {"follow": "1"}).status_code for _ in range(3)]
    statuses += [second.post(url, {"follow": "1"}).status_code for _ in range(2)]
    # The first member's refused third try does not use up the address's share.
    assert statuses == [302, 302, 429, 302, 429]
    assert Follow.objects.filter(followee=followed).count() == 2
    assert member_client(REMOTE_ADDR=GUEST_B).post(url, {"follow": "1"}).status_code == 302


def test_addresses_in_one_ipv6_network_share_a_guest_allowance(settings, rate_window):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"search": "2/m/user"}
    assert search(Client(REMOTE_ADDR="2001:db8:0:7::1")).status_code == 200
    assert search(Client(REMOTE_ADDR="2001:db8:0:7::2")).status_code == 200
    assert search(Client(REMOTE_ADDR="2001:db8:0:7:ffff::3")).status_code == 429
    assert search(Client(REMOTE_ADDR="2001:db8:0:8::1")).status_code == 200


# --- Behind a proxy --------------------------------------------------------------------------


def test_guests_behind_a_trusted_proxy_are_told_apart_by_x_forwarded_for(settings, rate_window):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"search": "2/m/user"}
    behind_proxy = Client(REMOTE_ADDR=PROXY)
    statuses = [search(behind_proxy, GUEST_A).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert search(behind_proxy, GUEST_B).status_code == 200


@pytest.mark.parametrize(
    ("proxies", "written"),
    [(1, "192.0.2.{n}, " + GUEST_A), (0, "192.0.2.{n}")],
    ids=["left-of-the-proxys-entry", "without-a-trusted-proxy"],
)
def test_an_address_the_client_wrote_itself_is_not_believed(
    settings, rate_window, proxies, written
):
    settings.TRUSTED_PROXY_COUNT = proxies
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"search": "2/m/user"}
    client = Client(REMOTE_ADDR=PROXY if proxies else GUEST_A)
    statuses = [search(client, written.format(n=n)).status_code for n in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("remote", "forwarded", "seen"),
    [(PROXY, None, PROXY), (PROXY, "", PROXY), (PROXY, GUEST_A, PROXY),
     ("", GUEST_A, GUEST_A), ("", f"{GUEST_A}:51234", GUEST_A), ("", "garbage", None)],
    ids=["no-header", "empty", "one-entry", "unix-socket", "with-a-port", "unreadable"],
)  # fmt: skip
def test_a_login_reaching_a_node_past_its_proxies_is_answered_not_a_500(
    settings, remote, forwarded, seen
):
    """Behind a load balancer a probe or a misrouted client may reach a node directly, with
    fewer X-Forwarded-For entries than TRUSTED_PROXY_COUNT: allauth's own reading of the
    address raised ImproperlyConfigured (a 500). It now reads it as the site's limits do: the
    peer's address (REMOTE_ADDR, or over gunicorn's unix socket the entry the node's nginx
    appended), always a plain IP, which allauth stores with the session (an `inet` column on
    PostgreSQL); none at all is allauth's own 403."""
    from allauth.usersessions.models import UserSession

    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    UserFactory(username="walker", password="right-password-123")
    headers = {} if forwarded is None else {"X-Forwarded-For": forwarded}
    client = Client(REMOTE_ADDR=remote, raise_request_exception=False)
    wrong = client.post(
        "/accounts/login/", {"login": "walker", "password": "wrong"}, headers=headers
    )
    right = client.post(
        "/accounts/login/", {"login": "walker", "password": "right-password-123"}, headers=headers
    )
    if seen is None:
        assert (wrong.status_code, right.status_code) == (403, 403)
        return
    assert wrong.status_code == 200
    assert "not correct" in wrong.content.decode()
    assert right.status_code == 302
    assert UserSession.objects.get().ip == seen


# --- Windows and the cache -------------------------------------------------------------------


def test_an_hourly_limit_holds_for_the_whole_hour(user):
    client = Client()
    with time_machine.travel("2030-01-01 10:00:00Z", tick=False) as clock:
        client.force_login(user)
        statuses = [client.post("/settings/account/export/").status_code for _ in range(3)]
        clock.shift(timedelta(minutes=50))  # longer than the cache's default timeout
        statuses.append(client.post("/settings/account/export/").status_code)
        clock.shift(timedelta(minutes=10))  # the next hour
        statuses.append(client.post("/settings/account/export/").status_code)
    assert statuses == [200, 200, 200, 429, 200]


def test_with_the_cache_away_actions_are_allowed(settings, user):
    down = HeldPort()  # bound, not listening: connections are refused, like a Redis that is down
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.ops.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{down.port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"like": "1/m/user", "search": "1/m/user"}
    client = Client()
    client.force_login(user)
    post = PostFactory()
    try:
        liked = [like(client, post, liked=n % 2 == 0).status_code for n in range(3)]
        searched = [search(Client()).status_code for _ in range(2)]
    finally:
        down.release()
    assert liked == [302, 302, 302]
    assert searched == [200, 200]
    assert Like.objects.filter(post=post, user=user).exists()


# --- The setting -----------------------------------------------------------------------------


def test_every_configured_rate_reads(settings):
    for action, rates in settings.RATE_LIMITS.items():
        assert parse_rates(rates), action


@pytest.mark.parametrize("rates", ["10/m", "10/m/key", "ten/m/user", "10/w/user", "10//user"])
def test_a_misspelt_rate_is_a_configuration_error(rates):
    with pytest.raises(ImproperlyConfigured):
        parse_rates(rates)


def test_a_mistyped_rate_fails_the_system_check_not_a_request(settings):
    from django.core.checks import run_checks

    settings.RATE_LIMITS = {"like": "60/min/user"}
    assert [error.id for error in run_checks()] == ["eternity.E002"]
