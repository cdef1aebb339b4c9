"""Audiences cost no query per row: the poll of 100 badges of every audience, relation, block
and appear-offline costs what it did before audiences, and each page listing badges reads
the viewer's sight of all its members at once."""

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.conversations import services as conversations
from apps.profiles.models import Profile
from apps.social import services as social
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db
POLL = {"HX-Request": "true", "X-Background": "1"}
AUDIENCES = ("everyone", "following", "mutuals", "nobody")


@pytest.fixture
def alice(db):
    alice = UserFactory(username="alice", first_name="Alice")
    Profile.objects.filter(user=alice).update(
        is_online=True, last_seen=timezone.now(), presence_audience="mutuals"
    )
    return alice


def members(alice, count: int, *, start: int = 0) -> list:
    """`count` members, each with a post and a conversation with alice, of every audience,
    every relation to alice, some blocked either way and some appearing offline."""
    made = []
    relations = itertools.cycle(["none", "follows", "followed", "mutual", "blocks", "blocked"])
    for n in range(start, start + count):
        member = UserFactory(username=f"member{n}", first_name="Member", last_name=f"N{n}")
        PostFactory(author=member, title=f"Member post {n}", text="member words")
        first = conversations.start_conversation(starter=member, members=[alice], text=f"Hi {n}")
        conversations.accept_request(user=alice, conversation=first.conversation)
        relation = next(relations)
        if relation in ("follows", "mutual"):
            social.follow(follower=alice, followee=member)
        if relation in ("followed", "mutual"):
            social.follow(follower=member, followee=alice)
        if relation == "blocks":
            social.block(blocker=alice, blocked=member)
        if relation == "blocked":
            social.block(blocker=member, blocked=alice)
        Profile.objects.filter(user=member).update(
            presence_audience=AUDIENCES[n % 4],
            is_online=n % 3 != 0,
            last_seen=timezone.now() - timedelta(days=n % 9),
            offline_since=timezone.now() - timedelta(hours=1) if n % 5 == 0 else None,
        )
        made.append(member)
    return made


def test_a_poll_of_100_badges_of_every_audience_costs_what_it_did_before(
    alice, django_assert_num_queries
):
    """Session, member, the badges, online now, the bar's counts: five, as for two badges
    (tests/presence/test_presence.py), and one for a visitor."""
    names = [member.username for member in members(alice, 100)]
    client = Client()
    client.force_login(alice)
    params = {"u": names, "online": "1", "bell": "1"}
    client.get("/presence/", params, headers=POLL)  # the first may touch alice's presence
    with django_assert_num_queries(5):
        response = client.get("/presence/", params, headers=POLL)
    assert response.content.decode().count('data-presence="') == 100
    with django_assert_num_queries(1):
        response = Client().get("/presence/", {"u": names}, headers=POLL)
    assert response.content.decode().count('data-presence="') == 100


PAGES = {
    "feed": "/?tab=everyone",
    "followers": "/u/alice/followers/",
    "following": "/u/alice/following/",
    "search": "/search/?q=member",
    "conversations": "/messages/",
}


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_a_page_of_badges_costs_the_same_queries_for_3_members_as_for_15(alice, page):
    client = Client()
    client.force_login(alice)
    members(alice, 3)
    client.get(page)  # the first request of the session may touch alice's presence

    def cost() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page)
        assert response.status_code == 200
        return len(queries), response.content.decode().count('data-presence="')

    few, few_badges = cost()
    members(alice, 12, start=3)
    client.get(page)  # the feed moves its reader's place to the new posts once
    many, many_badges = cost()
    assert many_badges > few_badges > 0
    assert many == few
