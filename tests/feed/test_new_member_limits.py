"""A new account's first day (settings.NEW_MEMBER_HOURS): stricter limits on posts, comments,
follows and mentions (settings.NEW_MEMBER_LIMITS) on top of the usual ones."""

from datetime import timedelta

import pytest
import time_machine
from django.core.checks import run_checks
from django.test import Client
from django.utils import timezone

from apps.feed.models import Comment, Post
from apps.social.models import Follow
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
NEW_MEMBER_MESSAGE = "New accounts can do this only a few times an hour during their first day"
LIMITS = {"write_post": "2/h/user", "write_comment": "2/h/user", "follow": "2/h/user",
          "mention": "3/h/user"}  # fmt: skip

WRITE_FREELY = LIMITS | {"write_post": "10/h/user", "write_comment": "10/h/user"}


@pytest.fixture(autouse=True)
def limits(settings, rate_window):
    settings.NEW_MEMBER_HOURS = 24
    settings.NEW_MEMBER_LIMITS = LIMITS


def member(hours_ago: float) -> tuple[Client, object]:
    user = UserFactory(date_joined=timezone.now() - timedelta(hours=hours_ago))
    client = Client()
    client.force_login(user)
    return client, user


def write(client: Client, text: str = "Hello", title: str = "Hi"):
    return client.post("/posts/new/", {"title": title, "text": text, "tags": ""})


def test_a_new_member_over_the_hourly_post_limit_keeps_the_form_and_the_reason(settings):
    client, user = member(hours_ago=1)
    assert [write(client).status_code for _ in range(2)] == [302, 302]
    response = write(client, title="Third")
    assert response.status_code == 429
    html = response.content.decode()
    assert NEW_MEMBER_MESSAGE in html
    assert 'value="Third"' in html  # what was typed is kept
    assert Post.objects.filter(author=user).count() == 2


def test_a_member_older_than_a_day_keeps_the_usual_limits():
    client, user = member(hours_ago=25)
    assert [write(client).status_code for _ in range(4)] == [302] * 4
    assert Post.objects.filter(author=user).count() == 4


def test_the_first_day_ends_for_the_member_as_the_clock_moves_on():
    client, user = member(hours_ago=23)
    write(client), write(client)
    assert write(client).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=True):
        assert write(client).status_code == 302
    assert Post.objects.filter(author=user).count() == 3


def test_an_htmx_comment_over_the_limit_gets_a_toast_and_saves_nothing():
    client, user = member(hours_ago=1)
    post = PostFactory()
    url = f"/posts/{post.pk}/comments/"
    for _ in range(2):
        client.post(url, {"text": "Hi"}, headers=HTMX)
    response = client.post(url, {"text": "Hi"}, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"  # the thread and what was typed stay
    assert NEW_MEMBER_MESSAGE in response.content.decode()  # the toast, out of band
    assert Comment.objects.filter(author=user).count() == 2


def test_a_new_member_over_the_follow_limit_is_refused():
    client, user = member(hours_ago=1)
    others = UserFactory.create_batch(3)
    statuses = [client.post(f"/u/{o.username}/follow/", {"follow": "1"}).status_code
                for o in others]  # fmt: skip
    assert statuses == [302, 302, 429]
    assert Follow.objects.filter(follower=user).count() == 2


def test_mentions_over_the_new_members_allowance_refuse_the_post_with_a_message(settings):
    settings.NEW_MEMBER_LIMITS = WRITE_FREELY
    client, user = member(hours_ago=1)
    named = UserFactory.create_batch(4)
    handles = [f"@{m.username}" for m in named]
    assert write(client, text=" ".join(handles[:2])).status_code == 302
    response = write(client, text=" ".join(handles[2:]), title="Second")
    assert response.status_code == 200
    html = response.content.decode()
    assert "New accounts can mention up to 3 people an hour during their first day." in html
    assert "nothing was saved" in html
    assert Post.objects.filter(author=user).count() == 1
    # A text within what is left of the hour goes through: the refused one used up nothing.
    assert write(client, text=handles[2]).status_code == 302


def test_mentions_in_a_comment_count_too_and_an_edit_counts_only_new_names(settings):
    settings.NEW_MEMBER_LIMITS = WRITE_FREELY
    client, user = member(hours_ago=1)
    post = PostFactory()
    named = UserFactory.create_batch(4)
    first = " ".join(f"@{m.username}" for m in named[:3])
    assert client.post(f"/posts/{post.pk}/comments/", {"text": first}).status_code == 302
    comment = Comment.objects.get(author=user)
    # Same names again, reworded: nothing new is counted.
    response = client.post(f"/comments/{comment.pk}/edit/", {"text": f"{first}!"})
    assert response.status_code == 302
    response = client.post(f"/comments/{comment.pk}/edit/", {"text": f"@{named[3].username}"})
    assert "New accounts can mention up to 3 people" in response.content.decode()
    comment.refresh_from_db()
    assert comment.text == f"{first}!"


def test_an_established_member_mentions_as_many_as_before():
    client, user = member(hours_ago=48)
    named = UserFactory.create_batch(8)
    for batch in (named[:4], named[4:]):
        assert write(client, text=" ".join(f"@{m.username}" for m in batch)).status_code == 302
    assert Post.objects.filter(author=user).count() == 2


def test_no_first_day_when_the_setting_is_zero(settings):
    settings.NEW_MEMBER_HOURS = 0
    client, _user = member(hours_ago=0)
    assert [write(client).status_code for _ in range(3)] == [302] * 3


def test_a_mistyped_new_member_rate_fails_the_system_check(settings):
    settings.NEW_MEMBER_LIMITS = {"mention": "10/hour/user"}
    errors = [error for error in run_checks() if error.id == "eternity.E002"]
    assert len(errors) == 1
    assert "NEW_MEMBER_LIMITS['mention']" in errors[0].msg


def test_the_shipped_new_member_limits_read():
    from apps.core.web.ratelimit import parse_rates
    from config.settings import NEW_MEMBER_LIMITS

    for action, rates in NEW_MEMBER_LIMITS.items():
        assert parse_rates(rates), action
