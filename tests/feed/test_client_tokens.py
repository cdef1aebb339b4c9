"""A comment or post sent twice (a retry after no answer) is saved once: its form carries a
random token, and the same author's same token finds what the first send made."""

import re
import threading
import uuid
from unittest import mock

import pytest
from django.db import connection

from apps.feed import services
from apps.feed.models import Comment, Post
from apps.membership.services import delete_account
from apps.social.models import Notification
from tests.factories import CommentFactory, PostFactory, UserFactory
from tests.images import image_bytes

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
TOKEN = re.compile(r'name="client_token" value="([0-9a-f-]{36})"')


@pytest.fixture
def reader(client):
    user = UserFactory(username="reader", first_name="Rita", last_name="Reader")
    client.force_login(user)
    return user


def test_the_comment_form_carries_a_new_token_each_time_it_is_shown(client, reader):
    post = PostFactory()
    first = TOKEN.findall(client.get(post.get_absolute_url()).content.decode())
    second = TOKEN.findall(client.get(post.get_absolute_url()).content.decode())
    assert len(first) == len(second) == 1
    assert first != second


def test_the_reply_form_carries_a_token_and_the_comment_edit_form_none(client, reader):
    top = CommentFactory()
    reply = client.get(f"/comments/{top.pk}/reply/", headers=HTMX).content.decode()
    assert len(TOKEN.findall(reply)) == 1
    own = CommentFactory(author=reader)
    edit = client.get(f"/comments/{own.pk}/edit/", headers=HTMX).content.decode()
    assert 'name="client_token"' not in edit


def test_the_same_comment_sent_twice_with_one_token_is_saved_once_and_both_answers_show_it(
    client, reader
):
    post = PostFactory()
    sent = {"text": "Only once, please", "client_token": str(uuid.uuid4())}
    answers = [client.post(f"/posts/{post.pk}/comments/", sent, headers=HTMX) for _ in range(2)]
    comment = Comment.objects.get()
    for answer in answers:
        html = answer.content.decode()
        assert answer.status_code == 200
        assert html.count("Only once, please") == 1
        assert f'id="comment-{comment.pk}"' in html
        assert re.search(rf'id="comment-count-{post.pk}"\s+hx-swap-oob="true">1</span>', html)
    # Each answer's form is ready for the next comment, with a token of its own.
    assert sent["client_token"] not in TOKEN.findall(answers[1].content.decode())
    assert Post.objects.get().comment_count == 1
    assert Notification.objects.filter(recipient=post.author).count() == 1


def test_comments_with_different_tokens_are_different_comments(client, reader):
    post = PostFactory()
    for _ in range(2):
        sent = {"text": "Same words", "client_token": str(uuid.uuid4())}
        client.post(f"/posts/{post.pk}/comments/", sent, headers=HTMX)
    assert Comment.objects.count() == 2
    assert Post.objects.get().comment_count == 2


def test_comments_without_a_token_are_each_saved(client, reader):
    """A page rendered before tokens existed still works."""
    post = PostFactory()
    for _ in range(2):
        client.post(f"/posts/{post.pk}/comments/", {"text": "Old form"}, headers=HTMX)
    assert Comment.objects.count() == 2


def test_a_reply_sent_twice_with_one_token_is_saved_and_told_once(client, reader):
    top = CommentFactory()
    sent = {"text": "Agreed", "parent": top.pk, "client_token": str(uuid.uuid4())}
    for _ in range(2):
        answer = client.post(f"/posts/{top.post_id}/comments/", sent, headers=HTMX)
        assert answer.content.decode().count("Agreed") == 1
    assert Comment.objects.filter(parent=top).count() == 1
    assert Notification.objects.filter(recipient=top.author).count() == 1


def test_a_comment_sent_twice_without_javascript_redirects_to_the_same_comment(client, reader):
    post = PostFactory()
    sent = {"text": "Plain form", "client_token": str(uuid.uuid4())}
    first = client.post(f"/posts/{post.pk}/comments/", sent)
    second = client.post(f"/posts/{post.pk}/comments/", sent)
    comment = Comment.objects.get()
    assert first["Location"] == second["Location"] == f"/posts/{post.pk}/#comment-{comment.pk}"


def test_one_token_belongs_to_one_author(client, reader):
    post = PostFactory()
    token = uuid.uuid4()
    services.create_comment(author=UserFactory(), post=post, text="Theirs", client_token=token)
    sent = {"text": "Mine", "client_token": str(token)}
    client.post(f"/posts/{post.pk}/comments/", sent, headers=HTMX)
    assert sorted(Comment.objects.values_list("text", flat=True)) == ["Mine", "Theirs"]


def test_one_token_sent_under_another_post_makes_a_comment_there(client, reader):
    """A token is one form's, and a form belongs to one post: the same token under another
    post is not a retry of the first comment but a comment of its own."""
    first, second = PostFactory(), PostFactory()
    token = str(uuid.uuid4())
    client.post(f"/posts/{first.pk}/comments/", {"text": "On the first", "client_token": token},
                headers=HTMX)  # fmt: skip
    answer = client.post(
        f"/posts/{second.pk}/comments/",
        {"text": "On the second", "client_token": token},
        headers=HTMX,
    )
    html = answer.content.decode()
    made = Comment.objects.get(post=second)
    assert answer.status_code == 200
    assert made.text == "On the second"
    assert f'id="comment-{made.pk}"' in html
    assert "On the first" not in html
    assert re.search(rf'id="comment-count-{second.pk}"\s+hx-swap-oob="true">1</span>', html)
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.comment_count, second.comment_count) == (1, 1)
    assert Comment.objects.filter(post=first).get().text == "On the first"
    # Sent again under the second post, it is that comment's retry: still one there.
    client.post(f"/posts/{second.pk}/comments/", {"text": "On the second", "client_token": token},
                headers=HTMX)  # fmt: skip
    assert Comment.objects.filter(post=second).count() == 1


def test_one_token_under_another_post_without_javascript_goes_to_the_new_comment(client, reader):
    first, second = PostFactory(), PostFactory()
    token = str(uuid.uuid4())
    client.post(f"/posts/{first.pk}/comments/", {"text": "One", "client_token": token})
    answer = client.post(f"/posts/{second.pk}/comments/", {"text": "Two", "client_token": token})
    made = Comment.objects.get(post=second)
    assert answer["Location"] == f"/posts/{second.pk}/#comment-{made.pk}"


def test_a_send_that_loses_the_race_returns_the_comment_that_won():
    """Two sends of one form at the same moment: the second's insert hits the unique
    constraint, and it answers with the first's comment."""
    post, author = PostFactory(), UserFactory()
    token = uuid.uuid4()
    won = services.create_comment(author=author, post=post, text="Hi", client_token=token)
    with mock.patch.object(services, "_sent_before", side_effect=[None, won]):
        again = services.create_comment(author=author, post=post, text="Hi", client_token=token)
    assert again == won
    assert Comment.objects.count() == 1
    post.refresh_from_db()
    assert post.comment_count == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("sqlite" in connection.vendor, reason="needs concurrent connections")
def test_sends_of_one_form_at_the_same_moment_make_one_comment():
    post, author = PostFactory(), UserFactory()
    token = uuid.uuid4()
    barrier = threading.Barrier(4)
    made = []

    def send():
        barrier.wait()
        made.append(
            services.create_comment(author=author, post=post, text="Hi", client_token=token).pk
        )
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 4
    assert len(set(made)) == 1
    assert Comment.objects.count() == 1
    post.refresh_from_db()
    assert post.comment_count == 1


def test_posting_a_comment_costs_a_bounded_number_of_queries(
    client, reader, django_assert_max_num_queries
):
    post = PostFactory()
    CommentFactory.create_batch(10, post=post)  # as many as with 1: the thread is one read
    sent = {"text": "Counted", "client_token": str(uuid.uuid4())}
    with django_assert_max_num_queries(56):
        client.post(f"/posts/{post.pk}/comments/", sent, headers=HTMX)
    with django_assert_max_num_queries(45):
        client.post(f"/posts/{post.pk}/comments/", sent, headers=HTMX)  # the retry: no writes


def test_the_write_form_carries_a_token_and_a_post_sent_twice_is_published_once(client, reader):
    html = client.get("/posts/new/").content.decode()
    token = TOKEN.findall(html)
    assert len(token) == 1
    sent = {"title": "Once", "text": "Only one of me.", "tags": "", "client_token": token[0]}
    first = client.post("/posts/new/", sent)
    second = client.post("/posts/new/", sent)
    post = Post.objects.get()
    assert first["Location"] == second["Location"] == post.get_absolute_url()


def test_a_post_token_belongs_to_one_author(client, reader):
    token = uuid.uuid4()
    theirs = services.create_post(author=UserFactory(), title="Theirs", text="X", tags=[],
                                  image=None, client_token=token)  # fmt: skip
    sent = {"title": "Mine", "text": "Y", "tags": "", "client_token": str(token)}
    answer = client.post("/posts/new/", sent)
    mine = Post.objects.get(author=reader)
    assert answer["Location"] == mine.get_absolute_url() != theirs.get_absolute_url()
    assert mine.title == "Mine"


def test_a_post_that_loses_the_race_keeps_no_image_and_returns_the_one_that_won():
    author, token = UserFactory(), uuid.uuid4()
    won = services.create_post(author=author, title="A", text="B", tags=[], image=None,
                               client_token=token)  # fmt: skip
    with (
        mock.patch.object(services, "_sent_before", side_effect=[None, won]),
        mock.patch.object(services.images, "delete_quietly") as deleted,
    ):
        again = services.create_post(
            author=author, title="A", text="B", tags=[], image=image_bytes(), client_token=token
        )
    assert again == won
    assert Post.objects.count() == 1
    assert deleted.call_args.args[1][0].startswith("posts/")  # the second image went


def test_the_edit_form_has_no_token_and_editing_keeps_the_posts_own(client, reader):
    token = uuid.uuid4()
    post = services.create_post(author=reader, title="A", text="B", tags=[], image=None,
                                client_token=token)  # fmt: skip
    assert not TOKEN.findall(client.get(f"/posts/{post.pk}/edit/").content.decode())
    client.post(f"/posts/{post.pk}/edit/", {"title": "A2", "text": "B2", "tags": ""})
    post.refresh_from_db()
    assert (post.title, post.client_token) == ("A2", token)


def test_a_member_with_tokened_comments_and_posts_can_delete_their_account(client, reader):
    post = PostFactory()
    services.create_comment(author=reader, post=post, text="Bye", client_token=uuid.uuid4())
    services.create_post(author=reader, title="T", text="X", tags=[], image=None,
                         client_token=uuid.uuid4())  # fmt: skip
    delete_account(user=reader)
    assert not Comment.objects.exists()
    assert list(Post.objects.all()) == [post]
