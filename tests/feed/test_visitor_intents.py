"""A visitor's Like, Follow or comment survives the login it asks for (apps/core/web/intents.py):
the like and the follow are done after it, the comment waits as a draft."""

import time

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


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_visitors_like_asks_for_a_login_and_is_given_once_after_it(client, rita):
    post = PostFactory(title="Sea at dawn")
    response = client.post(
        f"/posts/{post.pk}/like/", {"liked": "1", "next": f"/#post-{post.pk}"}, headers=HTMX
    )
    assert response["HX-Redirect"] == f"/accounts/login/?next=/%23post-{post.pk}"
    assert not Like.objects.exists()
    response = log_in(client, f"/#post-{post.pk}")
    assert response["Location"] == f"/#post-{post.pk}"
    assert "You liked “Sea at dawn”." in said(response)
    assert Like.objects.filter(user=rita, post=post).count() == 1
    assert Post.objects.get().like_count == 1
    client.logout()
    log_in(client, "/")  # the intent was used up
    assert Post.objects.get().like_count == 1


def test_without_javascript_the_like_goes_to_login_and_back_to_the_card(client, rita):
    post = PostFactory()
    response = client.post(f"/posts/{post.pk}/like/", {"liked": "1", "next": "/tags/x/"})
    assert response["Location"] == "/accounts/login/?next=/tags/x/"
    log_in(client, "/tags/x/")
    assert Like.objects.filter(user=rita, post=post).exists()


def test_a_foreign_next_is_not_where_the_login_returns(client, rita):
    post = PostFactory()
    response = client.post(
        f"/posts/{post.pk}/like/", {"liked": "1", "next": "https://evil.example/"}
    )
    assert response["Location"] == f"/accounts/login/?next={post.get_absolute_url()}"


def test_a_visitors_follow_is_done_after_the_login(client, rita):
    bob = UserFactory(username="bob")
    response = client.post("/u/bob/follow/", {"follow": "1", "next": "/"}, headers=HTMX)
    assert response["HX-Redirect"] == "/accounts/login/?next=/"
    assert not Follow.objects.exists()
    response = log_in(client, "/")
    assert "You follow @bob." in said(response)
    assert Follow.objects.filter(follower=rita, followee=bob).count() == 1


def test_a_visitors_comment_comes_back_as_a_draft_and_is_not_posted(client, rita):
    post = PostFactory(title="Sea at dawn")
    response = client.post(f"/posts/{post.pk}/comments/", {"text": "Lovely <b>light</b>"})
    back = f"{post.get_absolute_url()}#comment-form-{post.pk}"
    assert response["Location"] == f"/accounts/login/?next={back.replace('#', '%23')}"
    response = log_in(client, back)
    assert not Comment.objects.exists()
    assert any("is not sent yet" in text for text in said(response))
    html = client.get(post.get_absolute_url()).content.decode()
    assert "Lovely &lt;b&gt;light&lt;/b&gt;</textarea>" in html
    assert "autofocus" in html
    assert not Comment.objects.exists()
    # Shown once: the draft is the member's now, in the box.
    assert "Lovely" not in client.get(post.get_absolute_url()).content.decode()


def test_an_intent_too_old_is_forgotten(client, rita):
    post = PostFactory()
    with time_machine.travel(time.time() - INTENT_SECONDS - 60, tick=False):
        client.post(f"/posts/{post.pk}/like/", {"liked": "1"})
    log_in(client, "/")
    assert not Like.objects.exists()


def test_an_intent_for_a_post_gone_meanwhile_is_ignored(client, rita):
    post = PostFactory()
    client.post(f"/posts/{post.pk}/like/", {"liked": "1"})
    post.delete()
    response = log_in(client, "/")
    assert response.status_code == 302
    assert not [text for text in said(response) if "liked" in text]
    assert not Like.objects.exists()


def test_an_intent_towards_someone_across_a_block_is_ignored(client, rita):
    bob = UserFactory(username="bob")
    post = PostFactory(author=bob)
    client.post(f"/posts/{post.pk}/like/", {"liked": "1"})
    social.block(blocker=bob, blocked=rita)
    log_in(client, "/")
    assert not Like.objects.exists()
    client.logout()
    social.unblock(blocker=bob, blocked=rita)
    client.post("/u/bob/follow/", {"follow": "1"})
    social.block(blocker=rita, blocked=bob)
    log_in(client, "/")
    assert not Follow.objects.exists()


def test_an_unlike_or_an_unfollow_from_a_visitor_keeps_nothing(client, rita):
    post = PostFactory()
    UserFactory(username="bob")
    client.post(f"/posts/{post.pk}/like/", {"liked": "0"})
    client.post("/u/bob/follow/", {"follow": "0"})
    assert "visitor_intent" not in client.session
