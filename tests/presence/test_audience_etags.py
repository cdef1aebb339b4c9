"""A member hidden from a viewer (by their audience, or a block) is, in the viewer's poll,
indistinguishable from a member who is offline and was never seen: the same bytes, the same
ETag, the same SQL run (the "timing": no query more, none different). A 304 for a hidden member
never becomes a 200 because of what they really do; a change of audience reaches the viewer's
next poll."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.profiles import services as profiles
from apps.profiles.models import Profile
from apps.social import services as social
from apps.social.models import Block
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
POLL = {"HX-Request": "true", "X-Background": "1"}
T0 = timezone.datetime(2026, 11, 25, 12, 0, tzinfo=timezone.UTC)
# The page's poll as the feed sends it: every badge, online now and the bar's counts.
PARAMS = {"u": ["boris", "carol"], "online": "1", "bell": "1"}


@pytest.fixture
def people(db):
    with time_machine.travel(T0, tick=False):
        alice = UserFactory(username="alice", first_name="Alice")
        boris = UserFactory(username="boris", first_name="Boris")
        carol = UserFactory(username="carol", first_name="Carol")
        social.follow(follower=alice, followee=carol)
        # alice, carol: online and touched now, so that no poll writes their presence.
        Profile.objects.update(is_online=True, last_seen=T0)
        yield alice, boris, carol


def hide_by_audience_following(alice, boris):
    Profile.objects.filter(user=boris).update(presence_audience="following")


def hide_by_audience_nobody(alice, boris):
    Profile.objects.filter(user=boris).update(presence_audience="nobody")


def hide_from_a_follower_by_mutuals(alice, boris):
    social.follow(follower=alice, followee=boris)
    Profile.objects.filter(user=boris).update(presence_audience="mutuals")


def hide_by_boris_blocking(alice, boris):
    social.block(blocker=boris, blocked=alice)


def hide_by_alice_blocking(alice, boris):
    social.block(blocker=alice, blocked=boris)


HIDINGS = [hide_by_audience_following, hide_by_audience_nobody, hide_from_a_follower_by_mutuals,
           hide_by_boris_blocking, hide_by_alice_blocking]  # fmt: skip


def boris_shows(html: bytes, status: str) -> bool:
    """Whether the answer holds boris's badge, saying `status`."""
    pattern = rf'<span class="presence presence-{status} [^"]*"\s+data-presence="boris"'
    return re.search(pattern, html.decode()) is not None


def poll(client, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/presence/", PARAMS, headers=POLL | headers)
    return response, [query["sql"] for query in queries]


def genuinely_offline(boris):
    """The second state: boris shows everyone, nobody is blocked, and he was never seen."""
    Block.objects.all().delete()
    Profile.objects.filter(user=boris).update(
        presence_audience="everyone", is_online=False, last_seen=None
    )


@pytest.mark.parametrize("hide", HIDINGS, ids=lambda hide: hide.__name__)
def test_a_hidden_member_polls_exactly_as_one_offline_and_never_seen(people, hide):
    alice, boris, _carol = people
    client = Client()
    client.force_login(alice)
    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        hide(alice, boris)
        Profile.objects.filter(user=boris).update(is_online=True, last_seen=T0)
        hidden, hidden_sql = poll(client)
        genuinely_offline(boris)
        offline, offline_sql = poll(client)
    assert hidden.status_code == offline.status_code == 200
    assert hidden.content == offline.content
    assert hidden["ETag"] == offline["ETag"]
    assert hidden_sql == offline_sql  # the same statements, in the same order
    assert len(hidden_sql) == 5  # session, user, badges, online now, the bar's counts
    assert boris_shows(hidden.content, "offline")


@pytest.mark.parametrize("hide", HIDINGS, ids=lambda hide: hide.__name__)
def test_a_hidden_members_real_activity_never_turns_a_304_into_a_200(people, hide):
    alice, boris, _carol = people
    client = Client()
    client.force_login(alice)
    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        hide(alice, boris)
        etag = poll(client)[0]["ETag"]
        for activity in (
            {"is_online": True, "last_seen": T0},  # comes online
            {"is_online": False, "last_seen": T0 - timedelta(days=2)},  # leaves, last seen
            {"is_online": True, "last_seen": T0, "offline_since": T0},  # appears offline
            {"offline_since": None, "last_seen": T0 - timedelta(days=30)},  # long gone
        ):
            Profile.objects.filter(user=boris).update(**activity)
            response, _sql = poll(client, If_None_Match=etag)
            assert response.status_code == 304, activity
            assert response["ETag"] == etag


def test_narrowing_the_audience_gives_the_excluded_viewers_next_poll_a_200_offline(people):
    alice, boris, _carol = people
    social.follow(follower=alice, followee=boris)  # a follower, not a mutual
    viewer, owner = Client(), Client()
    viewer.force_login(alice)
    owner.force_login(boris)
    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        Profile.objects.filter(user=boris).update(is_online=True, last_seen=T0)
        first, _sql = poll(viewer)
        assert boris_shows(first.content, "online")
        assert b'data-online-now="boris"' in first.content
        assert poll(viewer, If_None_Match=first["ETag"])[0].status_code == 304
        user, profile = boris.__class__.objects.get(pk=boris.pk), boris.profile
        profile.refresh_from_db()
        saved = owner.post("/settings/profile/details/", {
            "details-first_name": "Boris", "details-last_name": "", "details-bio": "",
            "details-presence_audience": "mutuals",
            "details-token": profiles.section_token("details", user, profile),
        }, headers={"HX-Request": "true"})  # fmt: skip
        assert saved.status_code == 200
        assert Profile.objects.get(user=boris).presence_audience == "mutuals"
        changed, _sql = poll(viewer, If_None_Match=first["ETag"])
        assert changed.status_code == 200
        assert changed["ETag"] != first["ETag"]
        html = changed.content
        assert boris_shows(html, "offline")
        assert b'data-online-now="boris"' not in html
        assert poll(viewer, If_None_Match=changed["ETag"])[0].status_code == 304
        # Carol, boris's mutual, still sees him online.
        social.follow(follower=boris, followee=_carol)
        social.follow(follower=_carol, followee=boris)
        seen_by_carol = Client()
        seen_by_carol.force_login(_carol)
        html = poll(seen_by_carol)[0].content
        assert boris_shows(html, "online")


def test_hiding_ones_own_status_turns_the_others_exact_status_rough_in_the_next_poll(people):
    alice, boris, _carol = people
    client = Client()
    client.force_login(alice)
    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        Profile.objects.filter(user=boris).update(is_online=True, last_seen=T0)
        first, _sql = poll(client)
        assert b"presence-online" in first.content
        Profile.objects.filter(user=alice).update(presence_audience="nobody")
        changed, _sql = poll(client, If_None_Match=first["ETag"])
    assert changed.status_code == 200
    assert boris_shows(changed.content, "recently")
    assert b"Last seen recently" in changed.content
