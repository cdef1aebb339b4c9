"""Muting a member: their posts, comments and notifications leave the muter's view, and only
the muter's; the muted member notices nothing; unmuting brings everything back."""

import io
import json
import re
import zipfile

import pytest

from apps.feed import services as feed
from apps.feed.models import Tag
from apps.membership.services import delete_account
from apps.social import services
from apps.social.models import Mute, Notification
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def carol(db):
    return UserFactory(username="carol", first_name="Carol", last_name="C")


def tagged(author, title, tag="travel"):
    post = PostFactory(author=author, title=title)
    post.tags.set([Tag.objects.get_or_create(name=tag)[0]])
    return post


def search(client, query):
    return client.get("/search/", {"q": query}).content.decode()


# --- Muting, and what it hides -----------------------------------------------------------------


def test_muting_takes_the_members_posts_out_of_the_feed_tags_and_search(client, alice, bob, carol):
    tagged(bob, "Bob in Lisbon")
    tagged(carol, "Carol in Lisbon")
    services.follow(follower=alice, followee=bob)
    services.follow(follower=alice, followee=carol)
    client.force_login(alice)
    pages = ["/?tab=everyone", "/?tab=following", "/tags/travel/"]
    for url in pages:
        assert "Bob in Lisbon" in client.get(url).content.decode()

    response = client.post("/u/bob/mute/", {"mute": "1", "next": "/"}, follow=True)

    assert "You muted @bob" in response.content.decode()
    for url in pages:
        html = client.get(url).content.decode()
        assert "Bob in Lisbon" not in html
        assert "Carol in Lisbon" in html
    assert "Bob in Lisbon" not in search(client, "Lisbon")
    assert "Carol in Lisbon" in search(client, "Lisbon")


def test_muting_hides_the_members_comments_from_the_muter_only(client, alice, bob, carol):
    post = PostFactory(author=carol)
    top = feed.create_comment(author=bob, post=post, text="Bob says hi")
    feed.create_comment(author=carol, post=post, text="Carol answers", parent=top)
    feed.create_comment(author=carol, post=post, text="Carol says hi")
    services.mute(muter=alice, muted=bob)
    client.force_login(alice)
    html = client.get(post.get_absolute_url()).content.decode()
    assert "Bob says hi" not in html
    assert "Carol answers" not in html  # a reply goes with the comment it answers
    assert "Carol says hi" in html
    for viewer in (carol, UserFactory()):
        client.force_login(viewer)
        assert "Bob says hi" in client.get(post.get_absolute_url()).content.decode()


def test_under_their_own_post_the_muter_still_sees_the_muted_members_comment(client, alice, bob):
    post = PostFactory(author=alice)
    feed.create_comment(author=bob, post=post, text="Bob was here")
    services.mute(muter=alice, muted=bob)
    client.force_login(alice)
    assert "Bob was here" in client.get(post.get_absolute_url()).content.decode()


def test_muting_hides_old_notifications_and_records_no_new_ones(client, alice, bob, carol):
    post = PostFactory(author=alice, title="Sunset")
    feed.set_like(user=bob, post=post, liked=True)
    services.follow(follower=carol, followee=alice)
    client.force_login(alice)
    assert "data-unread-count>2<" in client.get("/").content.decode()
    services.mute(muter=alice, muted=bob)
    assert "data-unread-count>1<" in client.get("/").content.decode()

    html = client.get("/notifications/").content.decode()
    assert "Bob B" not in html
    assert "<strong>Carol C</strong> followed you" in html
    feed.create_comment(author=bob, post=post, text="@alice hello")
    services.follow(follower=bob, followee=alice)
    assert list(Notification.objects.filter(recipient=alice, actor=bob).values_list("kind")) == [
        ("like",)
    ]


def test_unmuting_brings_back_posts_comments_and_notifications(client, alice, bob, carol):
    tagged(bob, "Bob in Lisbon")
    feed.create_comment(author=bob, post=PostFactory(author=carol), text="Bob comments")
    services.follow(follower=bob, followee=alice)
    services.mute(muter=alice, muted=bob)
    client.force_login(alice)
    response = client.post("/u/bob/mute/", {"mute": "0", "next": "/?tab=everyone"}, follow=True)
    html = response.content.decode()
    assert "You unmuted @bob." in html
    assert "Bob in Lisbon" in html
    assert "<strong>Bob B</strong> followed you" in client.get("/notifications/").content.decode()
    post = carol.posts.get()
    assert "Bob comments" in client.get(post.get_absolute_url()).content.decode()
    assert not Mute.objects.exists()


def test_the_muted_member_notices_nothing(client, alice, bob):
    PostFactory(author=alice, title="Alice writes")
    client.force_login(bob)
    before = client.get("/u/alice/").content.decode()
    services.mute(muter=alice, muted=bob)
    after = client.get("/u/alice/").content.decode()
    assert "Alice writes" in after
    assert 'data-follow="profile:alice"' in after
    # The same page, but for the tokens that change on every request.
    token = re.compile(r'(csrfmiddlewaretoken" value=|X-CSRFToken": |nonce=)"[^"]*"')
    assert token.sub("", before) == token.sub("", after)
    assert not Notification.objects.filter(recipient=bob).exists()
    services.follow(follower=bob, followee=alice)  # following still works, and is not told
    assert not Notification.objects.filter(recipient=alice).exists()


def test_the_muter_opens_the_profile_and_finds_an_unmute_button(client, alice, bob):
    PostFactory(author=bob, title="Bob writes")
    services.mute(muter=alice, muted=bob)
    client.force_login(alice)
    response = client.get("/u/bob/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Bob writes" in html  # on the profile itself, the posts are there on purpose
    assert "You muted @bob" in html
    assert re.search(
        r'action="/u/bob/mute/">\s*<input[^>]+>\s*<input type="hidden" name="mute" value="0"', html
    )
    response = client.post("/u/bob/mute/", {"mute": "0", "next": "/u/bob/"})
    assert response["Location"] == "/u/bob/"
    assert "Mute @bob" in client.get("/u/bob/").content.decode()


# --- The controls ------------------------------------------------------------------------------


def test_the_post_menu_offers_mute_and_then_unmute(client, alice, bob):
    post = PostFactory(author=bob)
    client.force_login(alice)
    html = client.get("/?tab=everyone").content.decode()
    assert "Mute @bob" in html
    assert f'hx-post="/u/bob/mute/" hx-target="#post-{post.pk}"' in html
    services.mute(muter=alice, muted=bob)
    assert "Unmute @bob" in client.get(post.get_absolute_url()).content.decode()
    # Nobody mutes themselves; guests have no menu to mute from.
    client.force_login(bob)
    assert "Mute @bob" not in client.get(post.get_absolute_url()).content.decode()
    client.logout()
    assert "Mute @bob" not in client.get(post.get_absolute_url()).content.decode()


def test_muting_from_a_card_with_htmx_leaves_a_note_with_undo(client, alice, bob):
    post = PostFactory(author=bob)
    client.force_login(alice)
    response = client.post(
        "/u/bob/mute/",
        {"mute": "1", "card": f"post-{post.pk}", "next": "/"},
        headers=HTMX | {"HX-Current-URL": "http://testserver/?tab=everyone"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="post-{post.pk}"' in html
    assert "You muted @bob" in html
    assert 'name="mute" value="0"' in html
    assert 'name="next" value="/?tab=everyone"' in html
    # The member's other cards on the page go too.
    assert f"hx-swap-oob=\"delete:[data-author='bob']:not(#post-{post.pk})\"" in html
    assert Mute.objects.filter(muter=alice, muted=bob).exists()


@pytest.mark.parametrize("card", ["", "post-1<script>", "comment-1", "post-"])
def test_muting_with_htmx_from_elsewhere_reloads_the_page(client, alice, bob, card):
    client.force_login(alice)
    response = client.post("/u/bob/mute/", {"mute": "1", "card": card}, headers=HTMX)
    assert response["HX-Refresh"] == "true"
    assert Mute.objects.filter(muter=alice, muted=bob).exists()


def test_unmuting_with_htmx_reloads_the_page(client, alice, bob):
    services.mute(muter=alice, muted=bob)
    client.force_login(alice)
    response = client.post("/u/bob/mute/", {"mute": "0"}, headers=HTMX)
    assert response["HX-Refresh"] == "true"
    assert not Mute.objects.exists()


def test_muting_asks_for_a_post_and_a_login(client, alice, bob):
    assert client.post("/u/bob/mute/", {"mute": "1"})["Location"].startswith("/accounts/login/")
    client.force_login(alice)
    assert client.get("/u/bob/mute/").status_code == 405
    assert client.post("/u/nobody/mute/", {"mute": "1"}).status_code == 404
    response = client.post("/u/alice/mute/", {"mute": "1"}, follow=True)
    assert "You cannot mute yourself." in response.content.decode()
    assert not Mute.objects.exists()


def test_muting_twice_keeps_one_mute(client, alice, bob):
    client.force_login(alice)
    client.post("/u/bob/mute/", {"mute": "1"})
    client.post("/u/bob/mute/", {"mute": "1"})
    assert Mute.objects.filter(muter=alice, muted=bob).count() == 1


def test_muting_needs_the_csrf_token(alice, bob):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post("/u/bob/mute/", {"mute": "1"}).status_code == 403
    assert not Mute.objects.exists()


def test_muting_too_often_is_a_clear_429(client, alice, settings, rate_window):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"mute": "2/m/user"}
    members = UserFactory.create_batch(3)
    client.force_login(alice)
    for member in members[:2]:
        assert client.post(f"/u/{member.username}/mute/", {"mute": "1"}).status_code == 302
    response = client.post(f"/u/{members[2].username}/mute/", {"mute": "1"})
    assert response.status_code == 429
    assert Mute.objects.count() == 2


def test_the_account_page_lists_muted_members_and_unmutes(client, alice, bob):
    client.force_login(alice)
    assert "You have not muted anyone." in client.get("/settings/account/").content.decode()
    services.mute(muter=alice, muted=bob)
    html = client.get("/settings/account/").content.decode()
    assert "Muted members" in html
    assert "Bob B (@bob)" in html
    response = client.post("/u/bob/mute/", {"mute": "0", "next": "/settings/account/"})
    assert response["Location"] == "/settings/account/"
    assert "You have not muted anyone." in client.get("/settings/account/").content.decode()


# --- Export and deletion -----------------------------------------------------------------------


def test_the_export_lists_whom_the_member_muted_and_not_who_muted_them(client, alice, bob):
    services.mute(muter=alice, muted=bob)
    for member, expected in ((alice, ["bob"]), (bob, [])):
        client.force_login(member)
        archive = zipfile.ZipFile(io.BytesIO(b"".join(client.post("/settings/account/export/"))))
        data = json.loads(archive.read("data.json"))
        assert [row["muted__username"] for row in data["muted"]] == expected


@pytest.mark.parametrize("leaving", ["muter", "muted"])
def test_deleting_either_member_forgets_the_mute(alice, bob, carol, leaving):
    services.mute(muter=alice, muted=bob)
    services.mute(muter=carol, muted=alice)
    delete_account(user=alice if leaving == "muter" else bob)
    assert list(Mute.objects.values_list("muter__username", flat=True)) == (
        [] if leaving == "muter" else ["carol"]
    )


def test_socials_part_of_a_deletion_forgets_mutes_both_ways(alice, bob, carol):
    # Within the deletion's transaction, before the user row goes (apps.accounts.lifecycle).
    services.mute(muter=alice, muted=bob)
    services.mute(muter=carol, muted=alice)
    services.mute(muter=bob, muted=carol)
    services.forget_member(user=alice)
    assert list(Mute.objects.values_list("muter__username", "muted__username")) == [
        ("bob", "carol")
    ]


def test_a_mute_counts_at_once_within_the_same_request(alice, bob):
    from apps.social import selectors

    assert selectors.muted_ids(alice) == frozenset()  # read, and kept on the user object
    services.mute(muter=alice, muted=bob)
    assert selectors.muted_ids(alice) == {bob.pk}
    services.unmute(muter=alice, muted=bob)
    assert selectors.muted_ids(alice) == frozenset()


# --- Query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 50])
def test_the_feed_takes_the_same_number_of_queries_whatever_the_mutes(
    client, alice, carol, count, django_assert_max_num_queries, settings
):
    settings.RATE_LIMITS = {k: v for k, v in settings.RATE_LIMITS.items() if k != "search"}
    for member in UserFactory.create_batch(count):
        tagged(member, f"Muted trip {member.pk}")
        services.follow(follower=alice, followee=member)
        services.mute(muter=alice, muted=member)
    for n in range(count):
        tagged(carol, f"Carol trip {n}")
    services.follow(follower=alice, followee=carol)
    client.force_login(alice)
    client.get("/pow/challenge/")
    post = carol.posts.first()
    for url in ["/", "/?tab=everyone", "/tags/travel/", "/search/?q=trip", post.get_absolute_url()]:
        with django_assert_max_num_queries(16):  # a feed tab: where alice left off, read and moved
            html = client.get(url).content.decode()
        assert "Muted trip" not in html
        assert "Carol trip" in html


@pytest.mark.parametrize("count", [3, 30])
def test_the_account_page_and_notifications_take_the_same_number_of_queries_whatever_the_mutes(
    client, alice, count, django_assert_max_num_queries
):
    post = PostFactory(author=alice)
    for member in UserFactory.create_batch(count):
        feed.set_like(user=member, post=post, liked=True)
        services.follow(follower=member, followee=alice)
        services.mute(muter=alice, muted=member)
    for member in UserFactory.create_batch(count):
        services.follow(follower=member, followee=alice)
        services.block(blocker=alice, blocked=UserFactory())
    client.force_login(alice)
    client.get("/pow/challenge/")
    with django_assert_max_num_queries(10):
        html = client.get("/settings/account/").content.decode()
    assert html.count("Unmute") == count
    with django_assert_max_num_queries(12):  # and the write that marks what it shows read
        html = client.get("/notifications/").content.decode()
    assert "liked your post" not in html
    assert f"and {count - 2} other{'s' if count > 3 else ''} followed you" in html
