"""Where a member left off on the feed: the place each tab remembers (only forward, on every
device), "You were here", the jump link, the tabs' counts of new posts, and the presence poll
that carries them."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.feed import selectors, services
from apps.feed.models import Post, ReadPosition, Tag
from apps.feed.selectors import Place
from apps.membership import services as membership
from apps.social import services as social
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
START = timezone.now() - timedelta(days=1)


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def boris(db):
    return UserFactory(username="boris")


@pytest.fixture
def device(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def second_device(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def posts(count: int, *, start=START, **kwargs) -> list[Post]:
    """`count` posts, oldest first, a minute apart from `start`."""
    return [PostFactory(created=start + timedelta(minutes=n), **kwargs) for n in range(count)]


def later(count: int, **kwargs) -> list[Post]:
    """`count` posts newer than every post so far."""
    newest = Post.objects.order_by("-created").first()
    start = (newest.created if newest else START) + timedelta(minutes=1)
    return posts(count, start=start, **kwargs)


def place(user, tab="everyone") -> int | None:
    row = ReadPosition.objects.filter(user=user, tab=tab).first()
    return row.post_id if row else None


def feed(client, tab="everyone", **params) -> str:
    response = client.get("/", {"tab": tab, **params})
    assert response.status_code == 200
    return response.content.decode()


def divider_above(html: str) -> int | None:
    """The post the "You were here" divider sits right above, or None without one."""
    found = re.search(r'id="you-were-here".*?<article[^>]*id="post-(\d+)"', html, re.S)
    if found:
        assert html.count('id="you-were-here"') == 1
        assert "You were here" in html
    return int(found.group(1)) if found else None


def tab_count(html: str, tab: str) -> str | None:
    found = re.search(rf'id="new-posts-{tab}"(.*?)(?=id="new-posts-|</a>|$)', html, re.S)
    number = found and re.search(r"data-new-posts>· ([\d+]+)<", found.group(1))
    return number.group(1) if number else None


def poll(client, **params):
    return client.get("/presence/", {"bell": "1", **params}, headers=HTMX)


# --- The place ---------------------------------------------------------------------------------


def test_a_place_only_ever_moves_forward(alice):
    old, new = posts(2)
    services.record_seen(user=alice, tab="everyone", place=Place.of(new))
    services.record_seen(user=alice, tab="everyone", place=Place.of(old))
    assert place(alice) == new.pk
    newer = later(1)[0]
    services.record_seen(user=alice, tab="everyone", place=Place.of(newer))
    assert place(alice) == newer.pk
    assert place(alice, "following") is None


def test_posts_of_the_same_moment_are_ordered_by_id(alice):
    moment = START
    first, second = PostFactory(created=moment), PostFactory(created=moment)
    services.record_seen(user=alice, tab="everyone", place=Place.of(second))
    services.record_seen(user=alice, tab="everyone", place=Place.of(first))
    assert place(alice) == second.pk


def test_a_tab_that_is_not_one_is_refused(alice):
    (post,) = posts(1)
    with pytest.raises(ValueError, match="no tab"):
        services.record_seen(user=alice, tab="tagged", place=Place.of(post))
    assert not ReadPosition.objects.exists()


# --- The page ----------------------------------------------------------------------------------


def test_the_first_visit_shows_no_divider_and_remembers_the_top(device, alice):
    shown = posts(3)
    html = feed(device)
    assert divider_above(html) is None
    assert "Jump to where you left off" not in html
    assert place(alice) == shown[-1].pk


def test_new_posts_put_the_divider_above_the_post_left_off_then_the_place_moves(device, alice):
    old = posts(3)
    feed(device)
    new = later(2)
    html = feed(device)
    assert divider_above(html) == old[-1].pk
    assert 'href="#you-were-here"' in html
    assert place(alice) == new[-1].pk
    # Read now: a reload shows nothing more.
    html = feed(device)
    assert divider_above(html) is None
    assert "Jump to where you left off" not in html


def test_a_second_device_shows_the_divider_at_the_same_post(device, alice):
    old = posts(3)
    feed(device)
    later(4)
    other = second_device(alice)
    assert divider_above(feed(other)) == old[-1].pk


def test_a_deleted_post_keeps_the_place(device, alice):
    old = posts(3)
    feed(device)
    later(2)
    old[-1].delete()
    assert divider_above(feed(device)) == old[-2].pk


def test_each_tab_keeps_its_own_place(device, alice, boris):
    social.follow(follower=alice, followee=boris)
    followed = posts(2, author=boris)
    feed(device, "following")
    assert place(alice, "following") == followed[-1].pk
    assert place(alice, "everyone") is None


def test_tag_and_later_pages_move_nothing(device, alice):
    shown = posts(15)
    feed(device)
    tagged = later(1)[0]
    tagged.tags.set([Tag.objects.create(name="tea")])
    assert device.get("/tags/tea/").status_code == 200
    first = selectors.page_of_posts(viewer=alice)
    device.get("/", {"tab": "everyone", "after": first.next_cursor})
    device.get("/", {"tab": "everyone", "after": first.next_cursor}, headers=HTMX)
    assert place(alice) == shown[-1].pk


def test_a_visitor_sees_nothing_of_it_and_nothing_is_kept(client):
    posts(3)
    html = client.get("/").content.decode()
    assert "new-posts-" not in html
    assert "data-feed-tab" not in html
    assert not ReadPosition.objects.exists()


def test_the_jump_link_opens_the_page_that_starts_at_the_post_left_off(device, alice):
    old = posts(3)
    feed(device)
    later(25)
    html = feed(device)
    assert divider_above(html) is None  # not on page one
    link = re.search(r'href="([^"]+)"[^>]*data-jump-left-off', html).group(1)
    link = link.replace("&amp;", "&")
    assert link.endswith("#you-were-here")
    jumped = device.get(link.split("#")[0]).content.decode()
    assert divider_above(jumped) == old[-1].pk
    assert re.findall(r'<article[^>]*id="post-(\d+)"', jumped)[0] == str(old[-1].pk)


def test_scrolling_down_shows_the_divider_on_the_page_it_falls_on(device, alice):
    old = posts(3)
    feed(device)
    later(12)
    html = feed(device)
    assert divider_above(html) is None
    link = re.search(r'hx-get="([^"]+)"\s+hx-trigger="revealed"', html).group(1)
    fragment = device.get(link.replace("&amp;", "&"), headers=HTMX).content.decode()
    assert divider_above(fragment) == old[-1].pk


def test_a_made_up_here_or_cursor_is_ignored_or_a_clear_400(device, alice):
    posts(15)
    assert device.get("/", {"tab": "everyone", "here": "garbage"}).status_code == 200
    assert device.get("/", {"tab": "everyone", "after": "garbage"}).status_code == 400


def test_the_feed_page_costs_the_same_with_a_place_whatever_the_number_of_posts(
    device, alice, boris, django_assert_max_num_queries
):
    social.follow(follower=alice, followee=boris)
    posts(5, author=boris)
    feed(device)
    feed(device, "following")
    later(30, author=boris)
    with django_assert_max_num_queries(20) as few:
        feed(device)
    later(60, author=boris)
    with django_assert_max_num_queries(len(few.captured_queries)):
        feed(device, "following")


# --- The counts --------------------------------------------------------------------------------


def test_each_tab_counts_its_new_posts_and_the_title_the_tab_shown(device, alice, boris):
    social.follow(follower=alice, followee=boris)
    posts(2, author=boris)
    feed(device, "following")
    feed(device, "everyone")
    later(2, author=boris)
    later(3)
    html = feed(device, "following")
    assert tab_count(html, "following") is None  # just read
    assert tab_count(html, "everyone") == "5"
    assert "5 new posts" in html
    # A page that starts lower down moves nothing: the title counts what is above.
    mark = selectors.left_off(alice).places["everyone"]
    jumped = feed(device, "everyone", after=mark.starting_cursor)
    assert tab_count(jumped, "everyone") == "5"
    assert re.search(r"<title>\s*\(5\) ", jumped)


def test_a_count_stops_at_99_plus(device, alice):
    posts(1)
    feed(device)
    later(101)
    html = device.get("/", {"tab": "following"}).content.decode()
    assert tab_count(html, "everyone") == "99+"
    assert "more than 99 new posts" in html


def test_counts_leave_out_what_the_tab_does_not_show(device, alice, boris):
    chloe, dan, eve, frank = (UserFactory(username=n) for n in ("chloe", "dan", "eve", "frank"))
    social.follow(follower=alice, followee=boris)
    social.follow(follower=alice, followee=chloe)
    posts(1, author=boris)
    feed(device, "following")
    feed(device, "everyone")
    later(1, author=boris)  # counted on both tabs
    later(1, author=frank)  # on Everyone only: not followed
    later(1, author=alice)  # her own
    later(1, author=chloe)[0]
    social.mute(muter=alice, muted=chloe)
    later(1, author=dan)
    social.block(blocker=dan, blocked=alice)
    later(1, author=eve)
    eve.is_active = False
    eve.save()
    removed = later(1, author=boris)[0]
    Post.objects.filter(pk=removed.pk).update(removed=timezone.now())
    assert selectors.left_off(alice).new == {"following": 1, "everyone": 2}
    # The same as the tabs show above the place.
    for tab in ("following", "everyone"):
        shown = selectors.page_of_posts(viewer=alice, following=tab == "following").items
        mark = selectors.left_off(alice).places[tab]
        above = [p for p in shown if Place.of(p) > mark and p.author_id != alice.pk]
        assert len(above) == selectors.left_off(alice).new[tab]


# --- The poll ----------------------------------------------------------------------------------


def test_the_poll_brings_each_tabs_count_out_of_band(device, alice, boris):
    posts(2)
    feed(device)
    later(3)
    response = poll(device, feed="everyone", top=str(Post.objects.order_by("created")[1].pk))
    html = response.content.decode()
    assert 'id="new-posts-everyone" hx-swap-oob="true"' in html
    assert tab_count(html, "everyone") == "3"
    assert 'id="new-posts-title"' in html
    assert 'data-count="3"' in html


def test_the_poll_moves_the_place_to_the_pages_top_when_newer(device, alice):
    old = posts(3)
    services.record_seen(user=alice, tab="everyone", place=Place.of(old[0]))
    new = later(2)
    html = poll(device, feed="everyone", top=str(old[-1].pk)).content.decode()
    assert place(alice) == old[-1].pk
    assert tab_count(html, "everyone") == "2"
    # An older top (another device's old page) moves nothing back.
    services.record_seen(user=alice, tab="everyone", place=Place.of(new[-1]))
    poll(device, feed="everyone", top=str(old[0].pk))
    assert place(alice) == new[-1].pk


def test_the_poll_will_not_move_to_a_post_the_tab_does_not_show(device, alice, boris):
    old = posts(1)
    services.record_seen(user=alice, tab="following", place=Place.of(old[0]))
    hidden = later(1, author=boris)[0]  # not followed
    poll(device, feed="following", top=str(hidden.pk))
    assert place(alice, "following") == old[0].pk


@pytest.mark.parametrize(
    "params",
    [
        {"feed": "tagged", "top": "1"},
        {"feed": "everyone", "top": "-1"},
        {"feed": "everyone", "top": "9" * 40},
        {"feed": "everyone", "top": "<script>"},
        {"feed": ["everyone", "following"], "top": ["1", "2"]},
        {"feed": "", "top": ""},
        {"feed": "everyone", "top": "999999"},
    ],
)
def test_garbage_feed_parameters_are_ignored(device, alice, params):
    posts(2)
    response = poll(device, **params)
    assert response.status_code == 200
    assert place(alice) is None


def test_a_visitors_poll_with_feed_parameters_shows_no_counts(client):
    (post,) = posts(1)
    response = client.get("/presence/", {"feed": "everyone", "top": post.pk}, headers=HTMX)
    assert response.status_code == 200
    assert "new-posts" not in response.content.decode()
    assert not ReadPosition.objects.exists()


def test_a_new_post_changes_the_polls_etag(device, alice):
    posts(2)
    feed(device)
    first = poll(device, feed="everyone")
    same = device.get(
        "/presence/",
        {"bell": "1", "feed": "everyone"},
        headers=HTMX | {"If-None-Match": first["ETag"]},
    )
    assert same.status_code == 304
    later(1)
    changed = device.get(
        "/presence/",
        {"bell": "1", "feed": "everyone"},
        headers=HTMX | {"If-None-Match": first["ETag"]},
    )
    assert changed.status_code == 200
    assert tab_count(changed.content.decode(), "everyone") == "1"


def test_the_feed_pages_poll_costs_what_it_did_whatever_the_number_of_posts(
    device, alice, boris, django_assert_num_queries
):
    """Session, member, the badges, online now, and the bar's counts with the feed's in one
    query: five, as before the feed's were there."""
    social.follow(follower=alice, followee=boris)
    posts(3, author=boris)
    feed(device, "following")
    top = str(Post.objects.order_by("-created")[0].pk)
    params = {"u": ["boris"], "online": "1", "feed": "following", "top": top}
    poll(device, **params)
    later(40, author=boris)
    with django_assert_num_queries(5):
        html = poll(device, **params).content.decode()
    assert tab_count(html, "following") == "40"
    later(80)
    with django_assert_num_queries(5):
        poll(device, **params)


def test_the_polls_write_costs_two_more_queries(device, alice, django_assert_max_num_queries):
    """Session, member, her own presence, the counts; then, only because the page's top is
    newer than the place, the move and the counts read again."""
    old = posts(3)
    services.record_seen(user=alice, tab="everyone", place=Place.of(old[0]))
    poll(device)
    with django_assert_max_num_queries(6):
        poll(device, feed="everyone", top=str(old[-1].pk))
    assert place(alice) == old[-1].pk


# --- The member's data -------------------------------------------------------------------------


def test_the_places_are_in_the_export_and_go_with_the_account(device, alice):
    import json
    import zipfile

    (post,) = posts(1)
    feed(device)
    with zipfile.ZipFile(membership.export_user_data(user=alice)) as archive:
        data = json.loads(archive.read("data.json"))
    assert data["read_positions"][0]["tab"] == "everyone"
    assert data["read_positions"][0]["post_id"] == post.pk
    membership.delete_account(user=alice)
    assert not ReadPosition.objects.exists()
