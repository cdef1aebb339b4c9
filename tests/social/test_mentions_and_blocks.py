"""Mentions link and notify once; a block keeps two members apart everywhere."""

import pytest

from apps.feed import services as feed
from apps.social import services
from apps.social.models import Follow, Notification
from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def write(author, text, title="Hello"):
    return feed.create_post(author=author, title=title, text=text, tags=[], image=None)


# --- Mentions ----------------------------------------------------------------------------------


def test_a_mention_links_to_the_profile_and_notifies_once(client, alice, bob):
    post = write(bob, "Thanks @Alice and @alice!")
    feed.update_post(user=bob, post=post, title="Hello", text="Thanks again @alice", tags=[])
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("alice", "mention")
    ]
    html = client.get(post.get_absolute_url()).content.decode()
    assert '<a class="mention" href="/u/alice/">@Alice</a>' not in html  # edited away
    assert '<a class="mention" href="/u/alice/">@alice</a>' in html


def test_names_that_are_not_members_stay_plain_text(client, bob):
    post = write(bob, "Hi @nobody_here, mail bob@example.com or see example.com/@bob")
    html = client.get(post.get_absolute_url()).content.decode()
    assert 'class="mention"' not in html
    assert "@nobody_here" in html
    assert not Notification.objects.exists()


def test_a_hostile_username_like_string_is_escaped_not_linked(client, alice, bob):
    text = '@alice"><script>alert(1)</script> @<img src=x onerror=alert(1)> @alice<b>'
    post = write(bob, text)
    html = client.get(post.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count('<a class="mention" href="/u/alice/">@alice</a>') == 2
    assert Notification.objects.filter(recipient=alice, kind="mention").count() == 1


def test_links_and_mentions_live_together(client, alice, bob):
    post = write(bob, "@alice see https://example.com/page?a=1&b=2\nbye")
    html = client.get(post.get_absolute_url()).content.decode()
    assert (
        '<a class="mention" href="/u/alice/">@alice</a> see <a href="https://example.com/page?a=1&amp;b=2"'
        in html
    )
    assert "<br>bye" in html


def test_a_mention_in_a_comment_notifies_and_links(client, alice, bob):
    post = PostFactory(author=bob)
    feed.create_comment(author=bob, post=post, text="cc @alice")
    assert Notification.objects.filter(recipient=alice, kind="mention").count() == 1
    html = client.get(post.get_absolute_url()).content.decode()
    assert '<a class="mention" href="/u/alice/">@alice</a>' in html


def test_an_inactive_member_is_neither_linked_nor_told(client, bob):
    UserFactory(username="gone", is_active=False)
    post = write(bob, "bye @gone")
    assert 'class="mention"' not in client.get(post.get_absolute_url()).content.decode()
    assert not Notification.objects.exists()


# --- Blocks ------------------------------------------------------------------------------------


def test_blocking_asks_first_then_ends_follows_both_ways(client, alice, bob):
    services.follow(follower=alice, followee=bob)
    services.follow(follower=bob, followee=alice)
    client.force_login(alice)
    confirm = client.get("/u/bob/block/").content.decode()
    assert "Block @bob?" in confirm
    response = client.post("/u/bob/block/", {"block": "1"}, follow=True)
    assert "You blocked @bob." in response.content.decode()
    assert not Follow.objects.exists()
    assert not Notification.objects.exists()


def test_blocked_members_do_not_see_each_others_posts_or_comments(client, alice, bob):
    theirs = PostFactory(author=bob, title="Thoughts of Bob")
    mine = PostFactory(author=alice, title="Thoughts of Alice")
    CommentFactory(post=mine, author=bob, text="Bob was here")
    services.block(blocker=alice, blocked=bob)
    for viewer in (alice, bob):
        client.force_login(viewer)
        feed_page = client.get("/?tab=everyone").content.decode()
        assert ("Thoughts of Bob" in feed_page) is (viewer == bob)
        assert ("Thoughts of Alice" in feed_page) is (viewer == alice)
    client.force_login(alice)
    assert client.get(theirs.get_absolute_url()).status_code == 404
    # Under her own post she still sees what he wrote, to delete or report it; nobody else
    # does (test_block_then_harass.py).
    assert "Only you see this" in client.get(mine.get_absolute_url()).content.decode()
    client.force_login(bob)
    assert client.get(mine.get_absolute_url()).status_code == 404


def test_blocked_members_cannot_follow_like_or_reply(client, alice, bob):
    post = PostFactory(author=alice)
    comment = CommentFactory(post=PostFactory(author=UserFactory()), author=alice)
    services.block(blocker=alice, blocked=bob)
    client.force_login(bob)
    assert client.post("/u/alice/follow/", {"follow": "1"}).status_code == 403
    assert client.post(f"/posts/{post.pk}/like/", {"liked": "1"}).status_code == 404
    response = client.post(
        f"/posts/{comment.post_id}/comments/", {"text": "hey", "parent": comment.pk}
    )
    # Nothing says who is behind the block: the comment is simply not there for them.
    assert "The comment you replied to no longer exists." in response.content.decode()
    assert not Follow.objects.exists()
    assert comment.post.comments.count() == 1


def test_a_mention_across_a_block_links_but_does_not_notify(client, alice, bob):
    services.block(blocker=alice, blocked=bob)
    write(bob, "hey @alice")
    assert not Notification.objects.exists()


def test_the_account_page_lists_blocked_members_and_unblocks(client, alice, bob):
    services.block(blocker=alice, blocked=bob)
    client.force_login(alice)
    page = client.get("/settings/account/").content.decode()
    assert "@bob" in page
    response = client.post("/u/bob/block/", {"block": "0", "next": "/settings/account/"})
    assert response["Location"] == "/settings/account/"
    assert "You have not blocked anyone." in client.get("/settings/account/").content.decode()


def test_the_profile_of_a_blocked_member_says_so(client, alice, bob):
    PostFactory(author=bob, title="Hidden from Alice")
    services.block(blocker=alice, blocked=bob)
    client.force_login(alice)
    page = client.get("/u/bob/").content.decode()
    assert "You blocked @bob" in page
    assert "Hidden from Alice" not in page
    assert 'data-follow="profile:bob"' not in page
    client.force_login(bob)
    page = client.get("/u/alice/").content.decode()
    assert "You cannot see @alice" in page
    assert 'data-follow="profile:alice"' not in page


def test_nobody_can_block_themselves(client, alice):
    client.force_login(alice)
    response = client.post("/u/alice/block/", {"block": "1"}, follow=True)
    assert "You cannot block yourself." in response.content.decode()


def test_export_covers_follows_blocks_and_notifications(client, alice, bob):
    import io
    import json
    import zipfile

    services.follow(follower=bob, followee=alice)
    services.follow(follower=alice, followee=UserFactory(username="carol"))
    services.block(blocker=alice, blocked=UserFactory(username="dave"))
    client.force_login(alice)
    archive = zipfile.ZipFile(io.BytesIO(b"".join(client.post("/settings/account/export/"))))
    data = json.loads(archive.read("data.json"))
    assert [row["followee__username"] for row in data["following"]] == ["carol"]
    assert [row["follower__username"] for row in data["followers"]] == ["bob"]
    assert [row["blocked__username"] for row in data["blocked"]] == ["dave"]
    assert [(row["kind"], row["from"]) for row in data["notifications"]] == [("follow", "bob")]


def test_a_name_inside_a_link_is_not_a_mention(client, alice, bob):
    post = write(bob, "see https://example.com/?u=@alice and https://example.com/#@alice")
    html = client.get(post.get_absolute_url()).content.decode()
    assert 'class="mention"' not in html
    assert 'href="https://example.com/?u=%40alice"' in html
    assert not Notification.objects.exists()


def test_a_mention_edited_out_takes_its_notification_back(alice, bob):
    post = write(bob, "hi @alice")
    feed.update_post(user=bob, post=post, title="Hello", text="hi everyone", tags=[])
    assert not Notification.objects.exists()
    assert not post.mentions.exists()


def test_naming_the_post_author_in_a_comment_tells_them_once(alice, bob):
    post = PostFactory(author=alice)
    feed.create_comment(author=bob, post=post, text="@alice great post")
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [
        ("alice", "comment")
    ]


def test_nobody_hears_of_a_post_by_a_member_they_blocked_through_others(alice, bob):
    carol = UserFactory(username="carol")
    post = PostFactory(author=bob)
    services.block(blocker=alice, blocked=bob)
    feed.create_comment(author=carol, post=post, text="what do you think, @alice?")
    assert not Notification.objects.filter(recipient=alice).exists()


def test_a_blocked_member_cannot_edit_their_old_comment_under_the_blockers_post(client, alice, bob):
    comment = CommentFactory(post=PostFactory(author=alice), author=bob, text="before")
    services.block(blocker=alice, blocked=bob)
    client.force_login(bob)
    assert client.get(f"/comments/{comment.pk}/edit/").status_code == 404
    assert client.post(f"/comments/{comment.pk}/edit/", {"text": "after"}).status_code == 404
    comment.refresh_from_db()
    assert comment.text == "before"


def test_a_blocked_member_cannot_open_a_reply_form_under_the_blocker(client, alice, bob):
    comment = CommentFactory(post=PostFactory(author=UserFactory()), author=alice)
    services.block(blocker=alice, blocked=bob)
    client.force_login(bob)
    assert client.get(f"/comments/{comment.pk}/reply/").status_code == 404
    headers = {"HX-Request": "true"}
    assert client.get(f"/comments/{comment.pk}/reply/", headers=headers).status_code == 404


def test_follower_lists_leave_out_blocked_members(client, alice, bob):
    carol = UserFactory(username="carol")
    services.follow(follower=bob, followee=carol)
    services.follow(follower=alice, followee=carol)
    services.block(blocker=alice, blocked=bob)
    client.force_login(alice)
    html = client.get("/u/carol/followers/").content.decode()
    assert "@alice" in html
    assert "@bob" not in html


def test_a_deactivated_members_notifications_are_not_shown(client, alice, bob):
    services.follow(follower=bob, followee=alice)
    bob.is_active = False
    bob.save()
    client.force_login(alice)
    html = client.get("/notifications/").content.decode()
    assert "followed you" not in html
    assert "data-unread-count" not in html


def test_a_malformed_current_url_header_does_not_break_following(client, alice, bob):
    client.force_login(alice)
    headers = {"HX-Request": "true", "HX-Current-URL": "http://["}
    response = client.post("/u/bob/follow/", {"follow": "1"}, headers=headers)
    assert response.status_code == 200
    assert Follow.objects.filter(follower=alice, followee=bob).exists()


def test_blocked_members_do_not_see_each_others_online_status(client, alice, bob):
    from django.utils import timezone

    from apps.profiles.models import Profile

    Profile.objects.filter(user=alice).update(is_online=True, last_seen=timezone.now())
    services.block(blocker=alice, blocked=bob)
    client.force_login(bob)
    html = client.get("/presence/", {"u": ["alice"]}, headers={"HX-Request": "true"})
    assert "Offline" in html.content.decode()
    assert 'data-presence="alice"' not in client.get("/u/alice/").content.decode()
    services.unblock(blocker=alice, blocked=bob)
    html = client.get("/presence/", {"u": ["alice"]}, headers={"HX-Request": "true"})
    assert "Online" in html.content.decode()
