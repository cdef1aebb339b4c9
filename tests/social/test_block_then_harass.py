"""A block holds: what either member wrote under the other's posts is hidden from everyone but
the post's author, who can still delete or report it; counts follow; the blocker's follower
lists and stale notifications are out of the blocked member's reach."""

import pytest

from apps.feed import services as feed
from apps.feed.models import Comment, Post
from apps.moderation.models import Report
from apps.social import services
from apps.social.models import Kind, Notification
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def carol(db):
    return UserFactory(username="carol", first_name="Carol", last_name="C")


def count_on_card(client, post: Post) -> str:
    """The comment count a reader sees on the post's card."""
    html = client.get(post.get_absolute_url()).content.decode()
    start = html.index(f'id="comment-count-{post.pk}"')
    return html[html.index(">", start) + 1 : html.index("</span>", start)]


def test_a_block_hides_the_harassers_comment_from_everyone_else_and_the_count_drops(
    client, alice, bob, carol
):
    post = PostFactory(author=alice, title="My holiday")
    feed.create_comment(author=bob, post=post, text="You are awful")
    client.force_login(carol)
    assert "You are awful" in client.get(post.get_absolute_url()).content.decode()
    assert count_on_card(client, post) == "1"

    services.block(blocker=alice, blocked=bob)

    for viewer in (carol, None):
        if viewer is None:
            client.logout()
        else:
            client.force_login(viewer)
        assert "You are awful" not in client.get(post.get_absolute_url()).content.decode()
        assert count_on_card(client, post) == "0"
        assert (
            "You are awful"
            not in client.get(f"/posts/{post.pk}/comments/", headers=HTMX).content.decode()
        )


def test_the_posts_author_still_sees_the_hidden_comment_and_can_delete_it(client, alice, bob):
    post = PostFactory(author=alice)
    comment = feed.create_comment(author=bob, post=post, text="You are awful")
    services.block(blocker=alice, blocked=bob)
    client.force_login(alice)
    html = client.get(post.get_absolute_url()).content.decode()
    assert "You are awful" in html
    assert "Only you see this: a block stands between you and @bob." in html
    assert f'action="/comments/{comment.pk}/delete/"' in html
    assert f'href="/comments/{comment.pk}/reply/"' not in html  # no answering across it

    response = client.post(f"/comments/{comment.pk}/delete/", headers=HTMX)
    assert response.status_code == 200
    assert "You are awful" not in response.content.decode()
    assert not Comment.objects.filter(pk=comment.pk).exists()


def test_the_posts_author_can_report_the_hidden_comment(client, alice, bob):
    post = PostFactory(author=alice)
    comment = feed.create_comment(author=bob, post=post, text="You are awful")
    services.block(blocker=alice, blocked=bob)
    client.force_login(alice)
    assert (
        f'href="/report/comment/{comment.pk}/"'
        in client.get(post.get_absolute_url()).content.decode()
    )
    response = client.post(f"/report/comment/{comment.pk}/", {"reason": "abuse"})
    assert response.status_code in (200, 302)
    assert Report.objects.filter(reporter=alice, comment=comment).exists()


def test_others_cannot_open_or_answer_the_hidden_comment(client, alice, bob, carol):
    post = PostFactory(author=alice)
    comment = feed.create_comment(author=bob, post=post, text="You are awful")
    services.block(blocker=alice, blocked=bob)
    client.force_login(carol)
    assert client.get(f"/comments/{comment.pk}/reply/").status_code == 404
    assert client.get(f"/report/comment/{comment.pk}/").status_code == 404
    response = client.post(f"/posts/{post.pk}/comments/", {"text": "+1", "parent": comment.pk})
    assert "The comment you replied to no longer exists." in response.content.decode()
    assert Comment.objects.filter(post=post).count() == 1


def test_a_block_made_by_the_harasser_hides_their_comment_just_the_same(client, alice, bob, carol):
    post = PostFactory(author=alice)
    comment = feed.create_comment(author=bob, post=post, text="You are awful")
    services.block(blocker=bob, blocked=alice)  # so that she can no longer see or delete it
    client.force_login(carol)
    assert "You are awful" not in client.get(post.get_absolute_url()).content.decode()
    client.force_login(alice)
    assert "You are awful" in client.get(post.get_absolute_url()).content.decode()
    client.post(f"/comments/{comment.pk}/delete/")
    assert not Comment.objects.filter(pk=comment.pk).exists()


def test_the_blockers_comment_under_the_blocked_members_post_is_hidden_too(
    client, alice, bob, carol
):
    post = PostFactory(author=bob)
    feed.create_comment(author=alice, post=post, text="Stop writing to me")
    services.block(blocker=alice, blocked=bob)
    client.force_login(carol)
    assert "Stop writing to me" not in client.get(post.get_absolute_url()).content.decode()
    assert Post.objects.get(pk=post.pk).comment_count == 0
    client.force_login(bob)
    assert "Stop writing to me" in client.get(post.get_absolute_url()).content.decode()


def test_replies_under_a_hidden_comment_go_with_it_and_leave_the_count(client, alice, bob, carol):
    post = PostFactory(author=alice)
    feed.create_comment(author=carol, post=post, text="Lovely")
    abuse = feed.create_comment(author=bob, post=post, text="You are awful")
    feed.create_comment(author=carol, post=post, text="Leave her alone", parent=abuse)
    assert Post.objects.get(pk=post.pk).comment_count == 3
    services.block(blocker=alice, blocked=bob)
    assert Post.objects.get(pk=post.pk).comment_count == 1
    client.force_login(UserFactory())
    html = client.get(post.get_absolute_url()).content.decode()
    assert "Lovely" in html
    assert "You are awful" not in html
    assert "Leave her alone" not in html
    assert "Comments (1)" in html
    # A new comment recounts the same way.
    feed.create_comment(author=carol, post=post, text="Again")
    assert Post.objects.get(pk=post.pk).comment_count == 2


def test_unblocking_shows_the_comments_again_with_their_count(client, alice, bob, carol):
    post = PostFactory(author=alice)
    feed.create_comment(author=bob, post=post, text="Sorry about earlier")
    services.block(blocker=alice, blocked=bob)
    assert Post.objects.get(pk=post.pk).comment_count == 0
    services.unblock(blocker=alice, blocked=bob)
    assert Post.objects.get(pk=post.pk).comment_count == 1
    client.force_login(carol)
    assert "Sorry about earlier" in client.get(post.get_absolute_url()).content.decode()


def test_new_comments_across_a_block_are_refused(client, alice, bob):
    post = PostFactory(author=alice)
    services.block(blocker=alice, blocked=bob)
    client.force_login(bob)
    assert client.post(f"/posts/{post.pk}/comments/", {"text": "still here"}).status_code == 404
    with pytest.raises(Exception, match="cannot comment"):
        feed.create_comment(author=bob, post=post, text="through the service")
    assert not Comment.objects.filter(post=post).exists()


def test_a_third_partys_comment_under_the_post_stays_for_everyone(client, alice, bob, carol):
    post = PostFactory(author=alice)
    feed.create_comment(author=carol, post=post, text="Nice photos")
    services.block(blocker=alice, blocked=bob)
    client.force_login(UserFactory())
    assert "Nice photos" in client.get(post.get_absolute_url()).content.decode()
    assert Post.objects.get(pk=post.pk).comment_count == 1


@pytest.mark.parametrize("count", [3, 30])
def test_a_thread_with_hidden_comments_takes_the_same_number_of_queries(
    client, alice, bob, carol, count, django_assert_max_num_queries
):
    post = PostFactory(author=alice)
    for n in range(count):
        top = feed.create_comment(author=bob, post=post, text=f"Abuse {n}")
        feed.create_comment(author=carol, post=post, text=f"Answer {n}", parent=top)
        feed.create_comment(author=carol, post=post, text=f"Kind {n}")
    services.block(blocker=alice, blocked=bob)
    for viewer, shown in ((alice, 3 * count), (carol, count)):
        client.force_login(viewer)
        client.get("/pow/challenge/")
        with django_assert_max_num_queries(14):
            html = client.get(post.get_absolute_url()).content.decode()
        assert html.count('<article id="comment-') == shown


# --- Follower lists --------------------------------------------------------------------------


def test_the_blocked_member_cannot_see_the_blockers_followers_or_following(
    client, alice, bob, carol
):
    dave = UserFactory(username="dave")
    services.follow(follower=carol, followee=alice)
    services.follow(follower=alice, followee=dave)
    services.block(blocker=alice, blocked=bob)
    client.force_login(bob)
    followers = client.get("/u/alice/followers/")
    following = client.get("/u/alice/following/")
    for response in (followers, following):
        html = response.content.decode()
        assert response.status_code == 200
        assert "You cannot see whom @alice follows or who follows them." in html
        assert "@carol" not in html
        assert "@dave" not in html
    # Nor page by page, with htmx.
    assert "@carol" not in client.get("/u/alice/followers/", headers=HTMX).content.decode()
    # Others still see them.
    client.force_login(carol)
    assert "@carol" in client.get("/u/alice/followers/").content.decode()
    assert "@dave" in client.get("/u/alice/following/").content.decode()


def test_the_blocker_does_not_see_the_blocked_members_lists_either(client, alice, bob, carol):
    services.follow(follower=carol, followee=bob)
    services.block(blocker=alice, blocked=bob)
    client.force_login(alice)
    html = client.get("/u/bob/followers/").content.decode()
    assert "You blocked @bob" in html
    assert "@carol" not in html


@pytest.mark.parametrize("count", [5, 40])
def test_a_hidden_follower_list_takes_the_same_number_of_queries(
    client, alice, bob, count, django_assert_max_num_queries
):
    for follower in UserFactory.create_batch(count):
        services.follow(follower=follower, followee=alice)
    services.block(blocker=alice, blocked=bob)
    client.force_login(bob)
    client.get("/pow/challenge/")
    with django_assert_max_num_queries(7):
        assert client.get("/u/alice/followers/").status_code == 200


# --- Stale notifications ---------------------------------------------------------------------


def test_notifications_about_the_blockers_posts_caused_by_others_go(client, alice, bob, carol):
    post = PostFactory(author=alice, title="Alice's post")
    theirs = feed.create_comment(author=bob, post=post, text="first")
    feed.create_comment(author=carol, post=post, text="@bob agreed", parent=theirs)
    elsewhere = PostFactory(author=UserFactory(), title="Elsewhere")
    feed.create_comment(author=carol, post=elsewhere, text="hey @bob")
    assert set(Notification.objects.filter(recipient=bob).values_list("kind", "about")) == {
        (Kind.REPLY, f"comment:{theirs.pk}"),
        (Kind.MENTION, f"comment:{theirs.pk + 2}"),
    }

    services.block(blocker=alice, blocked=bob)

    # Carol's reply under Alice's post would link to a page Bob cannot open: gone. The
    # mention under someone else's post stays.
    client.force_login(bob)
    html = client.get("/notifications/").content.decode()
    assert "@bob agreed" not in html
    assert "“hey @bob”" in html
    assert list(Notification.objects.filter(recipient=bob).values_list("kind", flat=True)) == [
        Kind.MENTION
    ]


def test_notifications_others_got_from_the_hidden_comment_go(client, alice, bob, carol):
    post = PostFactory(author=alice, title="Alice's post")
    mine = feed.create_comment(author=carol, post=post, text="What a view")
    feed.create_comment(author=bob, post=post, text="@carol you too are awful", parent=mine)
    assert Notification.objects.filter(recipient=carol, actor=bob).exists()
    services.block(blocker=alice, blocked=bob)
    # The reply is hidden from everyone: what it told Carol would point at nothing.
    assert not Notification.objects.filter(recipient=carol, actor=bob).exists()
    client.force_login(carol)
    assert "replied to your comment" not in client.get("/notifications/").content.decode()


def test_notifications_between_the_two_go_both_ways(alice, bob):
    services.follow(follower=bob, followee=alice)
    feed.create_comment(author=alice, post=PostFactory(author=bob), text="hi")
    services.block(blocker=bob, blocked=alice)
    assert not Notification.objects.filter(recipient__in=[alice, bob]).exists()


def test_notifications_about_unrelated_posts_stay(alice, bob, carol):
    dave = UserFactory(username="dave")
    post = PostFactory(author=dave)
    top = feed.create_comment(author=bob, post=post, text="hello")
    feed.create_comment(author=carol, post=post, text="hi bob", parent=top)
    services.block(blocker=alice, blocked=bob)
    assert Notification.objects.filter(recipient=bob, actor=carol).exists()
