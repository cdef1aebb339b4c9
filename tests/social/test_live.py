"""The page's single presence poll also carries the people you follow who are online and the
unread notification count: one request per interval for everything live on the page."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.feed import services as feed
from apps.presence import services as presence
from apps.profiles.models import Profile
from apps.social import services
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def go_online(user) -> None:
    Profile.objects.filter(user=user).update(is_online=True, last_seen=timezone.now())


def online_now(html: str) -> list[str]:
    return re.findall(r'data-online-now="([^"]+)"', html)


def test_one_poll_carries_badges_the_online_list_and_the_unread_count(client, alice, bob):
    services.follow(follower=alice, followee=bob)
    go_online(bob)
    feed.set_like(user=bob, post=PostFactory(author=alice), liked=True)
    client.force_login(alice)
    response = client.get("/presence/", {"u": ["bob"], "online": "1", "bell": "1"}, headers=HTMX)
    html = response.content.decode()
    assert 'data-presence="bob"' in html
    assert '<div id="online-now" hx-swap-oob="innerHTML">' in html
    assert online_now(html) == ["bob"]
    assert 'id="notification-bell"' in html
    assert "data-unread-count>1<" in html


def test_the_poll_sends_only_the_parts_the_page_has(client, alice):
    client.force_login(alice)
    html = client.get("/presence/", {"u": ["alice"]}, headers=HTMX).content.decode()
    assert "online-now" not in html
    assert "notification-bell" not in html


def test_guests_get_badges_only(client, bob):
    html = client.get(
        "/presence/", {"u": ["bob"], "online": "1", "bell": "1"}, headers=HTMX
    ).content.decode()
    assert 'data-presence="bob"' in html
    assert "online-now" not in html
    assert "notification-bell" not in html


def test_online_now_lists_only_followed_members_who_are_online_and_visible(client, alice, bob):
    shy = UserFactory(username="shy")
    stranger = UserFactory(username="stranger")
    away = UserFactory(username="away")
    for member in (bob, shy, away):
        services.follow(follower=alice, followee=member)
    for member in (bob, shy, stranger):
        go_online(member)
    Profile.objects.filter(user=shy).update(presence_audience="nobody")
    client.force_login(alice)
    html = client.get("/", {"tab": "everyone"}).content.decode()
    assert online_now(html) == ["bob"]


def test_a_member_gone_past_the_ttl_leaves_online_now(client, alice, bob, settings):
    services.follow(follower=alice, followee=bob)
    go_online(bob)
    client.force_login(alice)
    params = {"online": "1"}
    assert online_now(client.get("/presence/", params, headers=HTMX).content.decode()) == ["bob"]
    later = timezone.now() + timedelta(seconds=settings.PRESENCE_TTL + 5)
    with time_machine.travel(later):
        html = client.get("/presence/", params, headers=HTMX).content.decode()
    assert online_now(html) == []
    assert "Nobody you follow is online right now." in html


@pytest.mark.parametrize("count", [5, 50])
def test_the_full_poll_costs_a_constant_number_of_queries(
    client, alice, count, django_assert_max_num_queries
):
    people = UserFactory.create_batch(count)
    for person in people:
        services.follow(follower=alice, followee=person)
        go_online(person)
        feed.set_like(user=person, post=PostFactory(author=alice), liked=True)
    client.force_login(alice)
    presence.touch(user_id=alice.pk)
    params = {"u": [p.username for p in people[:50]], "online": "1", "bell": "1"}
    # Session, user, the badges, online now with their number, the unread count.
    with django_assert_max_num_queries(5):
        response = client.get("/presence/", params, headers=HTMX)
    html = response.content.decode()
    assert len(online_now(html)) == min(count, 24)
    assert f"data-unread-count>{count}<" in html


def test_online_now_shows_the_most_recently_active_first_and_how_many_in_all(client, alice):
    people = UserFactory.create_batch(30, first_name="Pat", last_name="Smith")
    now = timezone.now()
    for minute, person in enumerate(people):
        services.follow(follower=alice, followee=person)
        Profile.objects.filter(user=person).update(
            is_online=True, last_seen=now - timedelta(seconds=minute)
        )
    Profile.objects.filter(user=people[0]).update(
        photo="avatars/pat-big.jpg", photo_thumbnail="avatars/pat.jpg"
    )
    client.force_login(alice)
    html = client.get("/presence/", {"online": "1"}, headers=HTMX).content.decode()
    assert online_now(html) == [person.username for person in people[:24]]
    assert "30 online in all" in html
    assert 'src="/media/avatars/pat.jpg"' in html
    assert "Pat Smith" in html


def test_the_feed_page_shows_online_now_and_the_bell_for_members_only(client, alice):
    assert 'id="online-now"' not in client.get("/").content.decode()
    assert 'id="notification-bell"' not in client.get("/").content.decode()
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert 'id="online-now"' in html
    assert 'id="notification-bell"' in html
    assert "Nobody you follow is online right now." in html


def test_the_unread_count_changes_the_etag(client, alice, bob):
    client.force_login(alice)
    first = client.get("/presence/", {"bell": "1"}, headers=HTMX)
    feed.set_like(user=bob, post=PostFactory(author=alice), liked=True)
    second = client.get(
        "/presence/", {"bell": "1"}, headers=HTMX | {"If-None-Match": first["ETag"]}
    )
    assert second.status_code == 200
    assert "data-unread-count>1<" in second.content.decode()
