"""Notifications: who is told what, grouped, taken back, switched off, read."""

import re

import pytest

from apps.feed import services as feed
from apps.social import services
from apps.social.models import Notification
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def post(alice):
    return PostFactory(author=alice, title="Spring <b>notes</b>")


def lines(client, path: str = "/notifications/") -> list[str]:
    """Each notification line as read: its sentence, and "(new)" for unread ones."""
    return [line for line, _ in quoted_lines(client, path)]


def quoted_lines(client, path: str = "/notifications/") -> list[tuple[str, str]]:
    """Each notification line as read (its sentence, "(new)" for unread ones), with what it
    quotes under the sentence."""
    html = client.get(path).content.decode()
    found = re.findall(
        r'<li class="(list-group-item[^"]*notification[^"]*)"[^>]*>(.*?)</li>', html, re.S
    )
    shown = []
    for classes, item in found:
        sentence = re.search(r'<a class="text-body[^>]*>(.*?)</a>', item, re.S).group(1)
        sentence = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", sentence)).strip()
        quote = re.search(r'<p class="mb-0 notification-excerpt[^"]*">(.*?)</p>', item, re.S)
        quote = " ".join(quote.group(1).split()) if quote else ""
        new = " (new)" if "notification-unread" in classes else ""
        shown.append((sentence + new, quote))
    return shown


def test_a_like_tells_the_author_with_the_post_title_escaped(client, alice, bob, post):
    feed.set_like(user=bob, post=post, liked=True)
    client.force_login(alice)
    html = client.get("/notifications/").content.decode()
    assert "<strong>Bob B</strong> liked your post" in html
    assert "“Spring &lt;b&gt;notes&lt;/b&gt;”" in html
    assert f'href="{post.get_absolute_url()}"' in html


def test_nobody_is_told_of_their_own_actions(alice, post):
    feed.set_like(user=alice, post=post, liked=True)
    feed.create_comment(author=alice, post=post, text="Me again, @alice")
    assert not Notification.objects.exists()


def test_a_burst_of_likes_is_one_line(client, alice, post):
    for name in ("bob", "carol", "dave", "erin"):
        feed.set_like(user=UserFactory(username=name, first_name=name.title(), last_name="X"),
                      post=post, liked=True)  # fmt: skip
    client.force_login(alice)
    assert lines(client) == ["Erin X, Dave X and 2 others liked your post (new)"]


def test_read_and_unread_bursts_are_told_apart(client, alice, bob, post):
    feed.set_like(user=bob, post=post, liked=True)
    services.mark_all_read(user=alice)
    feed.set_like(user=UserFactory(first_name="Carol", last_name="C"), post=post, liked=True)
    client.force_login(alice)
    assert lines(client) == ["Carol C liked your post (new)", "Bob B liked your post"]


def test_comments_and_replies_tell_the_right_people(alice, bob, post):
    carol = UserFactory(username="carol")
    top = feed.create_comment(author=bob, post=post, text="First!")
    feed.create_comment(author=carol, post=post, text="Agreed", parent=top)
    told = sorted(
        Notification.objects.values_list("recipient__username", "kind", "actor__username")
    )
    assert told == [
        ("alice", "comment", "bob"),
        ("alice", "comment", "carol"),
        ("bob", "reply", "carol"),
    ]


def test_a_reply_to_the_post_author_tells_them_once(alice, bob, post):
    top = feed.create_comment(author=alice, post=post, text="Ask me anything")
    feed.create_comment(author=bob, post=post, text="Why?", parent=top)
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("alice", "reply")
    ]


def test_unliking_takes_the_notification_back(alice, bob, post):
    feed.set_like(user=bob, post=post, liked=True)
    feed.set_like(user=bob, post=post, liked=False)
    assert not Notification.objects.exists()


def test_deleting_a_post_deletes_every_notification_about_it(alice, bob, post):
    feed.set_like(user=bob, post=post, liked=True)
    comment = feed.create_comment(author=bob, post=post, text="Hi @alice")
    feed.create_comment(author=alice, post=post, text="Hello", parent=comment)
    # The like, the comment (which names her: told once), the reply.
    assert Notification.objects.count() == 3
    feed.delete_post(user=alice, post=post)
    assert not Notification.objects.exists()


def test_a_deleted_comment_kept_for_its_replies_takes_its_notifications(alice, bob, post):
    comment = feed.create_comment(author=bob, post=post, text="Hey @alice")
    feed.create_comment(author=alice, post=post, text="Hi", parent=comment)
    feed.delete_comment(user=bob, comment=comment)
    assert list(Notification.objects.values_list("kind", flat=True)) == ["reply"]


def test_a_deleted_account_takes_its_notifications(alice, bob, post):
    feed.set_like(user=bob, post=post, liked=True)
    services.follow(follower=bob, followee=alice)
    bob.delete()
    assert not Notification.objects.exists()


def test_a_kind_switched_off_is_not_recorded(client, alice, bob, post):
    client.force_login(alice)
    response = client.post("/settings/notifications/", {"kinds": ["follow", "comment"]})
    assert response.status_code == 302
    feed.set_like(user=bob, post=post, liked=True)
    services.follow(follower=bob, followee=alice)
    assert list(Notification.objects.values_list("kind", flat=True)) == ["follow"]
    page = client.get("/settings/notifications/").content.decode()
    assert re.search(r'value="follow"[^>]*checked', page)
    assert not re.search(r'value="like"[^>]*checked', page)


def test_the_settings_form_ignores_unknown_kinds(client, alice):
    client.force_login(alice)
    response = client.post("/settings/notifications/", {"kinds": ["nonsense"]})
    assert response.status_code == 200
    assert "is not one of the available choices" in response.content.decode()


def test_a_block_silences_notifications_both_ways(alice, bob, post):
    services.block(blocker=alice, blocked=bob)
    assert services.notify(recipient=alice, actor=bob, kind="like", target=post) is False
    assert services.notify(recipient=bob, actor=alice, kind="like", target=post) is False
    assert not Notification.objects.exists()


def test_mark_all_read_with_htmx_empties_the_bell(client, alice, bob, post):
    feed.set_like(user=bob, post=post, liked=True)
    client.force_login(alice)
    assert "data-unread-count>1<" in client.get("/").content.decode()
    response = client.post("/notifications/read/", headers=HTMX)
    html = response.content.decode()
    assert 'id="notification-bell"' in html
    assert "data-unread-count" not in html
    assert 'hx-swap-oob="true"' in html
    assert not Notification.objects.filter(read=False).exists()


def test_mark_all_read_without_javascript_goes_back_to_the_list(client, alice, bob, post):
    feed.set_like(user=bob, post=post, liked=True)
    client.force_login(alice)
    response = client.post("/notifications/read/", follow=True)
    assert response.redirect_chain[-1][0] == "/notifications/"
    assert "All notifications are marked as read." in response.content.decode()


def test_the_notifications_page_is_for_members_only(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert client.get("/notifications/read/").status_code in {302, 405}


def test_a_follow_notification_links_to_the_follower(client, alice, bob):
    services.follow(follower=bob, followee=alice)
    client.force_login(alice)
    html = client.get("/notifications/").content.decode()
    assert "<strong>Bob B</strong> followed you" in html
    assert 'href="/u/bob/"' in html


@pytest.mark.parametrize("count", [5, 50])
def test_the_notifications_page_uses_a_constant_number_of_queries(
    client, alice, count, django_assert_max_num_queries
):
    posts = PostFactory.create_batch(count, author=alice)
    for index, post in enumerate(posts):
        actor = UserFactory()
        feed.set_like(user=actor, post=post, liked=True)
        feed.create_comment(author=actor, post=post, text=f"Nice one @alice #{index}")
        services.follow(follower=actor, followee=alice)
    client.force_login(alice)
    client.get("/pow/challenge/")
    # One more than before lines quoted and stacked their avatars: the write that marks
    # them read.
    with django_assert_max_num_queries(14):
        response = client.get("/notifications/")
    assert response.status_code == 200
    # Follows are one line; the comment naming her tells her once, as a comment.
    assert len(lines(client)) == min(2 * count + 1, 20)


def test_a_page_number_out_of_range_shows_the_last_page(client, alice, bob, post):
    feed.set_like(user=bob, post=post, liked=True)
    client.force_login(alice)
    for number in ("999", "x", "-1"):
        response = client.get("/notifications/", {"page": number})
        assert response.status_code == 200
        assert "liked your post" in response.content.decode()


def test_the_unread_count_counts_lines_not_events(client, alice, post):
    for _ in range(3):
        feed.set_like(user=UserFactory(), post=post, liked=True)
    services.follow(follower=UserFactory(), followee=alice)
    client.force_login(alice)
    assert "data-unread-count>2<" in client.get("/").content.decode()
