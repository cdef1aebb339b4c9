"""Whom a member who follows nobody yet is shown to follow (feed.selectors.who_to_follow)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.feed import selectors, services
from apps.social import services as social
from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(db):
    return UserFactory(username="newcomer")


def names(people) -> list[str]:
    return [person.username for person in people]


def tagged(author, *tags, **fields):
    post = PostFactory(author=author, **fields)
    for tag in tags:
        post.tags.add(services._tags([tag])[0])
    return post


def test_a_new_member_is_shown_the_most_active_members_lately(newcomer):
    busy, quiet, idle = (UserFactory(username=n) for n in ("busy", "quiet", "idle"))
    PostFactory.create_batch(2, author=busy)
    CommentFactory(author=busy)  # its post's author ("user…") is active too
    PostFactory(author=quiet)
    PostFactory(author=idle, created=timezone.now() - timedelta(days=60))
    people = names(selectors.who_to_follow(newcomer))
    assert people[0] == "busy"
    assert "quiet" in people
    assert "idle" not in people
    assert "newcomer" not in people


def test_people_sharing_the_members_tags_come_first(newcomer):
    busy, gardener = UserFactory(username="busy"), UserFactory(username="gardener")
    PostFactory.create_batch(3, author=busy)
    tagged(gardener, "roses", created=timezone.now() - timedelta(days=90))
    tagged(newcomer, "roses")
    people = selectors.who_to_follow(newcomer)
    assert names(people)[:2] == ["gardener", "busy"]
    assert people[0].shares_tags
    assert not people[1].shares_tags


def test_tags_of_liked_posts_count_too(newcomer):
    gardener, other = UserFactory(username="gardener"), UserFactory(username="other")
    tagged(gardener, "roses", created=timezone.now() - timedelta(days=90))
    services.set_like(user=newcomer, post=tagged(other, "roses"), liked=True)
    assert "gardener" in names(selectors.who_to_follow(newcomer))


def test_followed_blocked_muted_and_suspended_members_are_never_suggested(newcomer):
    people = {n: UserFactory(username=n) for n in
              ("followed", "blocked", "blocker", "muted", "muter", "gone", "fine")}  # fmt: skip
    for person in people.values():
        PostFactory(author=person)
    social.follow(follower=newcomer, followee=people["followed"])
    social.block(blocker=newcomer, blocked=people["blocked"])
    social.block(blocker=people["blocker"], blocked=newcomer)
    social.mute(muter=newcomer, muted=people["muted"])
    social.mute(muter=people["muter"], muted=newcomer)
    people["gone"].is_active = False
    people["gone"].save()
    assert names(selectors.who_to_follow(newcomer, limit=10)) == ["fine"]


def test_the_suggestions_cost_one_query_whatever_the_members(newcomer, django_assert_num_queries):
    for _ in range(8):
        tagged(UserFactory(), "roses")
    tagged(newcomer, "roses")
    with django_assert_num_queries(1):
        assert len(selectors.who_to_follow(newcomer)) == 5


def test_the_feed_shows_them_to_a_member_who_follows_nobody_with_follow_buttons(
    client, newcomer, django_assert_max_num_queries
):
    for n in range(6):
        PostFactory(author=UserFactory(username=f"writer{n}"))
    client.force_login(newcomer)
    client.get("/")
    with django_assert_max_num_queries(16):
        html = client.get("/").content.decode()
    assert "Who to follow" in html
    assert html.count('data-follow="card:writer5"') == 2  # in the list and on the card
    social.follow(follower=newcomer, followee=UserFactory(username="friend"))
    assert "Who to follow" not in client.get("/?tab=everyone").content.decode()


def test_the_feed_page_costs_the_same_with_more_suggestions_to_choose_from(client, newcomer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    PostFactory(author=UserFactory())
    client.force_login(newcomer)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for _ in range(5):
        CommentFactory(author=UserFactory())
    client.get("/")  # their new posts move where the member left off (a write), once
    with CaptureQueriesContext(connection) as more:
        client.get("/")
    assert len(more) == len(few)
