"""Whoever hides their own status from a member sees theirs only roughly: "Last seen recently"
(online, or seen within three days), "this week" (within seven), "long ago" (older, or never)."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from apps.profiles.models import Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
POLL = {"HX-Request": "true", "X-Background": "1"}
T0 = timezone.datetime(2026, 11, 25, 12, 0, tzinfo=timezone.UTC)
LABELS = {"recently": "Last seen recently", "this-week": "Last seen this week",
          "long-ago": "Last seen long ago"}  # fmt: skip


@pytest.fixture
def alice_hiding(db):
    """alice shows her status to nobody, so she sees boris's roughly; boris left at T0."""
    with time_machine.travel(T0, tick=False):
        alice = UserFactory(username="alice")
        boris = UserFactory(username="boris")
        Profile.objects.filter(user=alice).update(presence_audience="nobody")
        Profile.objects.filter(user=boris).update(is_online=False, last_seen=T0)
        client = Client()
        client.force_login(alice)
        yield client, boris


def rough(client, at) -> tuple[str, str]:
    """What the poll and boris's profile say of him at `at`."""
    with time_machine.travel(at, tick=False):
        polled = client.get("/presence/", {"u": "boris"}, headers=POLL).content.decode()
        page = client.get("/u/boris/").content.decode()
    found = [status for status in LABELS if f"presence-{status} badge" in polled]
    assert len(found) == 1, polled
    assert LABELS[found[0]] in page
    assert 'datetime="' not in polled  # no moment, however rough
    return found[0], LABELS[found[0]]


@pytest.mark.parametrize(
    ("after", "status"),
    [
        (timedelta(minutes=5), "recently"),
        (timedelta(days=3) - timedelta(minutes=1), "recently"),
        (timedelta(days=3) + timedelta(minutes=1), "this-week"),
        (timedelta(days=7) - timedelta(minutes=1), "this-week"),
        (timedelta(days=7) + timedelta(minutes=1), "long-ago"),
        (timedelta(days=13), "long-ago"),  # the session lasts two weeks
    ],
)
def test_a_rough_status_says_recently_this_week_or_long_ago_by_when_they_were_last_seen(
    alice_hiding, after, status
):
    client, _boris = alice_hiding
    assert rough(client, T0 + after) == (status, LABELS[status])


def test_a_member_online_now_is_seen_roughly_as_recently(alice_hiding):
    client, boris = alice_hiding
    Profile.objects.filter(user=boris).update(is_online=True, last_seen=T0)
    assert rough(client, T0 + timedelta(seconds=30))[0] == "recently"


def test_a_member_never_seen_is_seen_roughly_as_long_ago(alice_hiding):
    client, boris = alice_hiding
    Profile.objects.filter(user=boris).update(is_online=False, last_seen=None)
    assert rough(client, T0)[0] == "long-ago"


def test_a_rough_status_while_appearing_offline_is_from_when_it_began(alice_hiding):
    """boris is really here now, but appears offline since eight days ago: long ago."""
    client, boris = alice_hiding
    Profile.objects.filter(user=boris).update(
        is_online=True, last_seen=T0, offline_since=T0 - timedelta(days=8), offline_until=None
    )
    assert rough(client, T0 + timedelta(seconds=30))[0] == "long-ago"
    Profile.objects.filter(user=boris).update(offline_until=T0 + timedelta(seconds=10))
    # Ended by itself: still from when it began, until he is active after its end.
    assert rough(client, T0 + timedelta(seconds=30))[0] == "long-ago"
    Profile.objects.filter(user=boris).update(last_seen=T0 + timedelta(seconds=20))
    assert rough(client, T0 + timedelta(seconds=30))[0] == "recently"
