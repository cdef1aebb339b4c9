"""A visitor's Like, Follow or comment survives the login it asks for (apps/core/web/intents.py):
the like and the follow are done after it, the comment waits as a draft."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.messages import get_messages

from apps.core.web.intents import INTENT_SECONDS
from apps.feed.models import Comment, Like, Post
from apps.social import services as social
from apps.social.models import Follow
from tests.factories import PASSWORD, PostFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def rita(db):
    return UserFactory(username="rita")


def log_in(client, next_url: str):
    """Log in the way a browser does, through the login form, carrying `next`."""
    return client.post(
        "/accounts/login/", {"login": "rita", "password": PASSWORD, "next": next_url}
    )


def way_back(response) -> str:
    """The `next` the login page was sent with (it carries the intent's nonce)."""
    login = response.get("HX-Redirect") or response["Location"]
    [back] = parse_qs(urlsplit(login).query)["next"]
    return back


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_visitors_like_asks_for_a_login_and_is_given_once_after_it(client, rita):
    post = PostFactory(title="Sea at dawn")
    response = client.post(
        f"/posts/{post.pk}/like/", {"liked": "1", "next": f"/#post-{post.pk}"}, headers=HTMX
    )
    back = way_back(response)
    assert back.startswith("/?intent=")
    assert back.endswith(f"#post-{post.pk}")
    assert not Like.objects.exists()
    response = log_in(client, back)
    assert response["Location"] == back
    assert "You liked “Sea at dawn”." in said(response)
    assert Like.objects.filter(user=rita, post=post).count() == 1
    assert Post.objects.get().like_count == 1
    client.logout()
    log_in(client, "/")  # the intent was used up
    assert Post.objects.get().like_count == 1


def test_without_javascript_the_like_goes_to_login_and_back_to_the_card(client, rita):
    post = PostFactory()
    response = client.post(f"/posts/{post.pk}/like/", {"liked": "1", "next": "/tags/x/"})
    assert way_back(response).startswith("/tags/x/?intent=")
    log_in(client, way_back(response))
    assert Like.objects.filter(user=rita, post=post).exists()


def test_a_foreign_next_is_not_where_the_login_returns(client, rita):
    post = PostFactory()
    response = client.post(
        f"/posts/{post.pk}/like/", {"liked": "1", "next": "https://evil.example/"}
    )
    assert way_back(response).startswith(f"{post.get_absolute_url()}?intent=")


def test_a_visitors_follow_is_done_after_the_login(client, rita):
    bob = UserFactory(username="bob")
    response = client.post("/u/bob/follow/", {"follow": "1", "next": "/"}, headers=HTMX)
    assert way_back(response).startswith("/?intent=")
    assert not Follow.objects.exists()
    response = log_in(client, way_back(response))
    assert "You follow @bob." in said(response)
    assert Follow.objects.filter(follower=rita, followee=bob).count() == 1


def test_a_visitors_comment_comes_back_as_a_draft_and_is_not_posted(client, rita):
    post = PostFactory(title="Sea at dawn")
    response = client.post(f"/posts/{post.pk}/comments/", {"text": "Lovely <b>light</b>"})
    back = way_back(response)
    assert back.startswith(f"{post.get_absolute_url()}?intent=")
    assert back.endswith(f"#comment-form-{post.pk}")
    response = log_in(client, back)
    assert not Comment.objects.exists()
    assert any("is not sent yet" in text for text in said(response))
    html = client.get(back.split("#")[0]).content.decode()
    assert "Lovely &lt;b&gt;light&lt;/b&gt;</textarea>" in html
    assert "autofocus" in html
    assert not Comment.objects.exists()
    # Shown once: the draft is the member's now, in the box.
    assert "Lovely" not in client.get(post.get_absolute_url()).content.decode()


def test_an_intent_too_old_is_forgotten(client, rita):
    post = PostFactory()
    with time_machine.travel(time.time() - INTENT_SECONDS - 60, tick=False):
        response = client.post(f"/posts/{post.pk}/like/", {"liked": "1"})
    log_in(client, way_back(response))
    assert not Like.objects.exists()


def test_an_intent_for_a_post_gone_meanwhile_is_ignored(client, rita):
    post = PostFactory()
    back = way_back(client.post(f"/posts/{post.pk}/like/", {"liked": "1"}))
    post.delete()
    response = log_in(client, back)
    assert response.status_code == 302
    assert not [text for text in said(response) if "liked" in text]
    assert not Like.objects.exists()


def test_an_intent_towards_someone_across_a_block_is_ignored(client, rita):
    bob = UserFactory(username="bob")
    post = PostFactory(author=bob)
    back = way_back(client.post(f"/posts/{post.pk}/like/", {"liked": "1"}))
    social.block(blocker=bob, blocked=rita)
    log_in(client, back)
    assert not Like.objects.exists()
    client.logout()
    social.unblock(blocker=bob, blocked=rita)
    back = way_back(client.post("/u/bob/follow/", {"follow": "1"}))
    social.block(blocker=rita, blocked=bob)
    log_in(client, back)
    assert not Follow.objects.exists()


def test_an_unlike_or_an_unfollow_from_a_visitor_keeps_nothing(client, rita):
    post = PostFactory()
    UserFactory(username="bob")
    client.post(f"/posts/{post.pk}/like/", {"liked": "0"})
    client.post("/u/bob/follow/", {"follow": "0"})
    assert "visitor_intent" not in client.session


def test_only_the_login_a_visitor_was_sent_to_carries_out_their_intent(client, rita):
    """A shared computer: someone presses Follow and Like and walks away; the next person logs
    in from the plain login page. Nothing is done in their name, and no draft is handed over."""
    post = PostFactory()
    UserFactory(username="mallory")
    client.post("/u/mallory/follow/", {"follow": "1"})
    client.post(f"/posts/{post.pk}/like/", {"liked": "1"})
    response = log_in(client, "/")
    assert not Follow.objects.exists()
    assert not Like.objects.exists()
    assert not [text for text in said(response) if "liked" in text]
    forged = f"{post.get_absolute_url()}?intent=guessed"
    assert "autofocus" not in client.get(forged).content.decode()
    assert not Like.objects.exists()


def test_a_visitors_follow_counts_against_the_members_own_limits(client, rita, settings):
    """A member's follow limit is not side-stepped by following as a visitor first."""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "follow": "2/h/user"}
    for name in ["bob", "carl", "dan"]:
        UserFactory(username=name)
    log_in(client, way_back(client.post("/u/bob/follow/", {"follow": "1"})))
    client.post("/u/carl/follow/", {"follow": "1"})
    client.logout()
    response = log_in(client, way_back(client.post("/u/dan/follow/", {"follow": "1"})))
    assert sorted(Follow.objects.values_list("followee__username", flat=True)) == ["bob", "carl"]
    assert any("Too many" in text or "too often" in text for text in said(response))
