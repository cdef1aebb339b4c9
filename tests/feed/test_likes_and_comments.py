"""Likes (idempotent, race-safe) and comments with one level of replies."""

import re
import threading
from unittest import mock

import pytest
from django.db import IntegrityError, connection
from django.test import Client

from apps.feed import services
from apps.feed.models import Comment, Like, Post
from apps.membership.services import delete_account
from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def reader(client):
    user = UserFactory(username="reader", first_name="Rita", last_name="Reader")
    client.force_login(user)
    return user


# --- Likes -----------------------------------------------------------------------------------


def test_one_click_likes_and_the_count_updates_in_place(client, reader):
    post = PostFactory()
    response = client.post(f"/posts/{post.pk}/like/", {"liked": "1"}, headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith("<form")
    assert 'aria-pressed="true"' in html
    assert "<span data-like-count>1</span>" in html
    assert re.search(r'name="liked"\s+value="0"', html)  # the next click unlikes
    response = client.post(f"/posts/{post.pk}/like/", {"liked": "0"}, headers=HTMX)
    assert "<span data-like-count>0</span>" in response.content.decode()
    assert Post.objects.get().like_count == 0


def test_a_double_click_does_not_double_count(client, reader):
    post = PostFactory()
    for _ in range(2):
        client.post(f"/posts/{post.pk}/like/", {"liked": "1"}, headers=HTMX)
    assert Like.objects.count() == 1
    assert Post.objects.get().like_count == 1


def test_a_racing_like_that_loses_the_insert_neither_fails_nor_counts(reader):
    post = PostFactory()
    Like.objects.create(user=reader, post=post)  # the other request won
    Post.objects.filter(pk=post.pk).update(like_count=1)
    with mock.patch.object(Like.objects, "create", side_effect=IntegrityError("duplicate")):
        count = services.set_like(user=reader, post=post, liked=True)
    assert count == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("sqlite" in connection.vendor, reason="needs concurrent connections")
def test_two_requests_racing_to_like_count_once():
    reader = UserFactory()
    post = PostFactory()
    barrier = threading.Barrier(2)
    statuses = []

    def click():
        client = Client()
        client.force_login(reader)
        barrier.wait()
        statuses.append(client.post(f"/posts/{post.pk}/like/", {"liked": "1"}).status_code)
        connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    assert Like.objects.count() == 1
    assert Post.objects.get().like_count == 1


def test_anonymous_like_is_sent_to_log_in(client):
    post = PostFactory()
    response = client.post(f"/posts/{post.pk}/like/", {"liked": "1"}, headers=HTMX)
    assert response["HX-Redirect"].startswith("/accounts/login/")
    assert client.post(f"/posts/{post.pk}/like/", {"liked": "1"}).status_code == 302
    assert not Like.objects.exists()


def test_like_without_javascript_returns_to_the_card(client, reader):
    post = PostFactory()
    response = client.post(f"/posts/{post.pk}/like/", {"liked": "1", "next": "/#post-1"})
    assert response["Location"] == "/#post-1"
    response = client.post(
        f"/posts/{post.pk}/like/", {"liked": "0", "next": "https://evil.example/"}
    )
    assert response["Location"] == post.get_absolute_url()


def test_liking_needs_post(client, reader):
    post = PostFactory()
    assert client.get(f"/posts/{post.pk}/like/").status_code == 405


# --- Comments --------------------------------------------------------------------------------


def test_adding_a_comment_inline_returns_the_thread_and_the_new_count(client, reader):
    post = PostFactory()
    response = client.post(f"/posts/{post.pk}/comments/", {"text": "First!"}, headers=HTMX)
    html = response.content.decode()
    assert "First!" in html
    assert "Rita Reader" in html
    assert re.search(rf'id="comment-count-{post.pk}"\s+hx-swap-oob="true">1</span>', html)
    assert Post.objects.get().comment_count == 1


def test_a_comment_without_javascript_redirects_to_it(client, reader):
    post = PostFactory()
    response = client.post(f"/posts/{post.pk}/comments/", {"text": "Hi"})
    comment = Comment.objects.get()
    assert response["Location"] == f"/posts/{post.pk}/#comment-{comment.pk}"


def test_an_empty_comment_shows_an_error_and_saves_nothing(client, reader):
    post = PostFactory()
    response = client.post(f"/posts/{post.pk}/comments/", {"text": "  "}, headers=HTMX)
    assert "This field is required." in response.content.decode()
    assert not Comment.objects.exists()


def test_reply_opens_an_inline_form_and_replies_nest_one_level(client, reader):
    comment = CommentFactory()
    form = client.get(f"/comments/{comment.pk}/reply/", headers=HTMX).content.decode()
    assert f'name="parent" value="{comment.pk}"' in form
    client.post(
        f"/posts/{comment.post_id}/comments/", {"text": "Reply", "parent": comment.pk}, headers=HTMX
    )
    reply = Comment.objects.get(text="Reply")
    client.post(
        f"/posts/{comment.post_id}/comments/", {"text": "Deeper", "parent": reply.pk}, headers=HTMX
    )
    assert Comment.objects.get(text="Deeper").parent_id == comment.pk  # joined the thread


def test_reply_without_javascript_opens_the_form_on_the_post_page(client, reader):
    comment = CommentFactory()
    response = client.get(f"/comments/{comment.pk}/reply/")
    url = f"/posts/{comment.post_id}/?reply={comment.pk}#comment-{comment.pk}"
    assert response["Location"] == url
    html = client.get(url.split("#")[0]).content.decode()
    assert f'name="parent" value="{comment.pk}"' in html


def test_a_reply_to_a_comment_on_another_post_is_refused(client, reader):
    elsewhere = CommentFactory()
    post = PostFactory()
    response = client.post(
        f"/posts/{post.pk}/comments/", {"text": "x", "parent": elsewhere.pk}, headers=HTMX
    )
    assert "no longer exists" in response.content.decode()
    assert Comment.objects.count() == 1


def test_the_author_edits_a_comment_and_it_is_marked_edited(client, reader):
    comment = CommentFactory(author=reader)
    form = client.get(f"/comments/{comment.pk}/edit/", headers=HTMX).content.decode()
    assert "Edit your comment" in form
    html = client.post(
        f"/comments/{comment.pk}/edit/", {"text": "Better words"}, headers=HTMX
    ).content.decode()
    assert "Better words" in html
    assert "· edited" in html


def test_deleting_a_comment_with_replies_keeps_the_thread_readable(client, reader):
    comment = CommentFactory(author=reader, text="Parent words")
    CommentFactory(post=comment.post, parent=comment, text="A reply")
    html = client.post(f"/comments/{comment.pk}/delete/", headers=HTMX).content.decode()
    assert "Comment deleted." in html
    assert "Parent words" not in html
    assert "A reply" in html
    assert Post.objects.get().comment_count == 1


def test_deleting_a_plain_comment_removes_it(client, reader):
    comment = CommentFactory(author=reader)
    client.post(f"/comments/{comment.pk}/delete/", headers=HTMX)
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("role", "can_edit", "can_delete"),
    [("comment author", True, True), ("post author", False, True), ("other", False, False),
     ("staff", False, False), ("anonymous", False, False)],
)  # fmt: skip
def test_authorisation_matrix_for_comments(role, can_edit, can_delete):
    comment = CommentFactory(text="Original")
    users = {
        "comment author": comment.author,
        "post author": comment.post.author,
        "other": UserFactory(),
        "staff": UserFactory(is_staff=True),
    }
    client = Client()
    if role in users:
        client.force_login(users[role])
    client.post(f"/comments/{comment.pk}/edit/", {"text": "Changed"})
    assert (Comment.objects.get(pk=comment.pk).text == "Changed") is can_edit
    client.post(f"/comments/{comment.pk}/delete/")
    assert (not Comment.objects.filter(pk=comment.pk).exists()) is can_delete


def test_comments_render_escaped_with_safe_links(client, reader):
    post = PostFactory()
    client.post(f"/posts/{post.pk}/comments/",
                {"text": '<b onclick="x()">hi</b> http://example.org'})  # fmt: skip
    html = client.get(post.get_absolute_url()).content.decode()
    assert '<b onclick="x()">' not in html
    assert "&lt;b onclick=&quot;x()&quot;&gt;hi&lt;/b&gt;" in html
    assert re.search(r'<a href="http://example.org" rel="nofollow">', html)


def test_a_card_expands_its_comments_in_place(client):
    comment = CommentFactory(text="Under the card")
    html = client.get(f"/posts/{comment.post_id}/comments/", headers=HTMX).content.decode()
    assert "<html" not in html
    assert "Under the card" in html
    assert client.get(f"/posts/{comment.post_id}/comments/")["Location"].endswith(
        f"#comments-{comment.post_id}"
    )


def test_anonymous_visitors_see_comments_but_are_asked_to_log_in(client):
    comment = CommentFactory(text="Visible")
    html = client.get(comment.post.get_absolute_url()).content.decode()
    assert "Visible" in html
    assert "Log in to comment" in html
    response = client.post(f"/posts/{comment.post_id}/comments/", {"text": "x"}, headers=HTMX)
    assert response["HX-Redirect"].startswith("/accounts/login/")


# --- Found in review ---------------------------------------------------------------------------


def test_deleting_an_account_brings_the_counts_on_other_posts_back_in_line(client):
    leaving = UserFactory()
    post = PostFactory()
    services.set_like(user=leaving, post=post, liked=True)
    top = services.create_comment(author=UserFactory(), post=post, text="Top")
    services.create_comment(author=leaving, post=post, text="Mine")
    services.create_comment(author=leaving, post=post, text="Reply", parent=top)
    delete_account(user=leaving)
    post.refresh_from_db()
    assert (post.like_count, post.comment_count) == (0, 1)


def test_a_reply_under_a_deleted_comment_cannot_name_its_author(client, reader):
    top = CommentFactory(author=reader)
    reply = CommentFactory(post=top.post, parent=top)
    services.delete_comment(user=reader, comment=top)
    assert client.get(f"/comments/{reply.pk}/reply/", headers=HTMX).status_code == 404
    html = client.get(f"{top.post.get_absolute_url()}?reply={top.pk}").content.decode()
    assert f'name="parent" value="{top.pk}"' not in html


def test_anonymous_visitors_never_get_a_reply_form(client):
    comment = CommentFactory()
    html = client.get(f"{comment.post.get_absolute_url()}?reply={comment.pk}").content.decode()
    assert 'name="parent"' not in html


@pytest.mark.parametrize("value", ["²", "\u0661", "9" * 40, "-1"])
def test_odd_reply_parameters_are_ignored(client, value):
    comment = CommentFactory()
    assert client.get(comment.post.get_absolute_url(), {"reply": value}).status_code == 200


def test_liking_while_logged_out_without_javascript_returns_to_the_page_after_login(client):
    post = PostFactory()
    response = client.post(
        f"/posts/{post.pk}/like/", {"liked": "1"}, headers={"Referer": "http://testserver/tags/x/"}
    )
    # Back where the form was, with the nonce that ties the like to that login.
    assert response["Location"].startswith("/accounts/login/?next=/tags/x/%3Fintent%3D")
    response = client.post(
        f"/posts/{post.pk}/like/", {"liked": "1"}, headers={"Referer": "https://evil.example/"}
    )
    assert response["Location"].startswith(f"/accounts/login/?next={post.get_absolute_url()}%3F")


def test_a_like_for_a_post_deleted_meanwhile_is_a_404(client, reader):
    post = PostFactory()
    stale = Post.objects.get(pk=post.pk)
    post.delete()
    with pytest.raises(Post.DoesNotExist):
        services.set_like(user=reader, post=stale, liked=True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("sqlite" in connection.vendor, reason="needs concurrent connections")
def test_comments_added_and_deleted_at_once_keep_the_count_right():
    post = PostFactory()
    author = UserFactory()
    doomed = [services.create_comment(author=author, post=post, text=f"c{n}") for n in range(4)]
    barrier = threading.Barrier(4)

    def delete(comment):
        barrier.wait()
        services.delete_comment(user=author, comment=comment)
        connection.close()

    def add():
        barrier.wait()
        services.create_comment(author=author, post=post, text="new")
        connection.close()

    threads = [threading.Thread(target=delete, args=(c,)) for c in doomed[:2]]
    threads += [threading.Thread(target=add) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    post.refresh_from_db()
    assert post.comment_count == Comment.objects.filter(post=post).count() == 4


def test_an_invalid_reply_comes_back_inside_its_thread_with_the_text_kept(client, reader):
    top = CommentFactory(text="Top words")
    too_long = "x" * 2001
    response = client.post(
        f"/posts/{top.post_id}/comments/", {"text": too_long, "parent": top.pk}, headers=HTMX
    )
    html = response.content.decode()
    assert f'id="comments-{top.post_id}"' in html  # the whole thread, not a lone form
    assert "Top words" in html
    assert "at most 2000 characters" in html
    assert too_long in html
    assert re.search(r'id="reply-text-\d+"[^>]*autofocus|autofocus[^>]*id="reply-text-', html)
    assert not Comment.objects.filter(parent=top).exists()


def test_only_permitted_actions_are_offered_on_cards_and_comments(client, reader):
    mine = PostFactory(author=reader)
    theirs = PostFactory()
    CommentFactory(post=theirs, author=reader, text="My comment")
    CommentFactory(post=theirs, text="Their comment")
    html = client.get("/").content.decode()
    assert f'href="/posts/{mine.pk}/edit/"' in html
    assert f'href="/posts/{mine.pk}/delete/"' in html
    assert f'href="/posts/{theirs.pk}/edit/"' not in html
    assert f'href="/posts/{theirs.pk}/delete/"' not in html
    thread = client.get(f"/posts/{theirs.pk}/").content.decode()
    assert len(re.findall(r'href="/comments/\d+/edit/"', thread)) == 1  # only my comment
    assert thread.count('hx-confirm="Delete this comment?"') == 1


def test_a_deleted_thread_cannot_be_revived_by_replying_to_one_of_its_replies(client, reader):
    top = CommentFactory(author=reader, text="First")
    reply = CommentFactory(post=top.post, parent=top, text="An answer")
    services.delete_comment(user=reader, comment=top)  # stays as "Comment deleted"
    response = client.post(
        f"/posts/{top.post_id}/comments/", {"text": "Back from the dead", "parent": reply.pk},
        headers=HTMX,
    )  # fmt: skip
    assert "You can only reply to a comment on this post." in response.content.decode()
    assert not Comment.objects.filter(text="Back from the dead").exists()
    html = client.get(top.post.get_absolute_url()).content.decode()
    assert f"/comments/{reply.pk}/reply/" not in html  # and no Reply link is offered there


def test_the_author_of_a_removed_post_cannot_edit_a_comment_under_it_to_mention_anyone(
    client, reader
):
    from apps.social.models import Notification

    post = PostFactory(author=reader, title="Taken down")
    comment = services.create_comment(author=reader, post=post, text="First")
    target = UserFactory(username="target")
    services.remove_post(post=post)
    response = client.post(f"/comments/{comment.pk}/edit/", {"text": "Hi @target"})
    assert response.status_code in {403, 404}
    comment.refresh_from_db()
    assert comment.text == "First"
    assert not Notification.objects.filter(recipient=target).exists()
