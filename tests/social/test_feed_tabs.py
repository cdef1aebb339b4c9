"""The feed's Following and Everyone tabs."""

import html as markup
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.social import services
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def titles(html: str) -> list[str]:
    return re.findall(r'id="post-\d+-title">\s*<a[^>]*>([^<]+)</a>', html)


def test_a_member_who_follows_nobody_starts_on_everyone(client, alice):
    PostFactory(title="From a stranger")
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert re.search(
        r'aria-current="page"[^>]*>\s*Everyone|href="/\?tab=everyone"\s+aria-current', html
    )
    assert titles(html) == ["From a stranger"]


def test_once_following_anybody_a_member_starts_on_following(client, alice):
    bob = UserFactory(username="bob")
    services.follow(follower=alice, followee=bob)
    PostFactory(author=bob, title="From Bob")
    PostFactory(title="From a stranger")
    client.force_login(alice)
    assert titles(client.get("/").content.decode()) == ["From Bob"]
    assert titles(client.get("/?tab=everyone").content.decode()) == [
        "From a stranger",
        "From Bob",
    ]


def test_an_empty_following_tab_points_to_everyone(client, alice):
    services.follow(follower=alice, followee=UserFactory())
    client.force_login(alice)
    html = client.get("/?tab=following").content.decode()
    assert "Nobody you follow has posted yet." in html
    assert 'href="/?tab=everyone"' in html


def test_an_unknown_tab_is_the_default_and_guests_have_none(client, alice):
    PostFactory(title="Hello")
    assert "feed-tabs" not in client.get("/").content.decode()
    assert titles(client.get("/?tab=following").content.decode()) == ["Hello"]
    client.force_login(alice)
    assert titles(client.get("/?tab=nonsense").content.decode()) == ["Hello"]


def test_load_more_keeps_the_tab(client, alice):
    bob = UserFactory(username="bob")
    services.follow(follower=alice, followee=bob)
    PostFactory.create_batch(11, author=bob)
    client.force_login(alice)
    html = client.get("/?tab=following").content.decode()
    assert re.search(r'href="/\?tab=following&amp;after=[\w-]+"', html)


@pytest.mark.parametrize("count", [5, 50])
def test_the_following_tab_uses_a_constant_number_of_queries(
    client, alice, count, django_assert_max_num_queries
):
    for author in UserFactory.create_batch(count):
        services.follow(follower=alice, followee=author)
        PostFactory(author=author)
        PostFactory()  # by someone alice does not follow
    client.force_login(alice)
    client.get("/pow/challenge/")
    with django_assert_max_num_queries(16):  # and where alice left off: read, then moved
        response = client.get("/?tab=following")
    assert len(titles(response.content.decode())) == min(count, 10)


def following_tab(client) -> list[list[str]]:
    """The titles on the Following tab, page after page, as a reader who scrolls to its end
    loads them (each page through its "Load more" link)."""
    pages, url = [], "/?tab=following"
    while url:
        html = client.get(url).content.decode()
        pages.append(titles(html))
        found = re.search(r'href="(/\?tab=following&amp;after=[\w-]+)"', html)
        url = markup.unescape(found[1]) if found else None
    return pages


def newest_first(posts) -> list[str]:
    return [post.title for post in sorted(posts, key=lambda p: (p.created, p.pk), reverse=True)]


def in_pages(found: list[str], size: int = 10) -> list[list[str]]:
    return [found[start : start + size] for start in range(0, len(found), size)]


def test_the_following_tab_pages_through_every_post_once_newest_first(client, alice):
    """One member followed writes far more than the others, and posts share their times,
    within a member and across members, at a page's end too: a tie goes to the later post."""
    prolific, occasional, rare = UserFactory.create_batch(3)
    for member in (prolific, occasional, rare):
        services.follow(follower=alice, followee=member)
    start = timezone.now() - timedelta(days=1)
    minutes = {prolific: [n // 3 for n in range(27)], occasional: [0, 2, 2, 4], rare: [1, 4]}
    posts = [
        PostFactory(author=member, title=f"{member.username} {n}",
                    created=start + timedelta(minutes=minute))
        for member, times in minutes.items()
        for n, minute in enumerate(times)
    ]  # fmt: skip
    PostFactory(title="Not followed", created=start + timedelta(minutes=4))
    client.force_login(alice)
    assert following_tab(client) == in_pages(newest_first(posts))


def test_the_following_tab_leaves_out_what_the_reader_may_not_or_will_not_see(client, alice):
    """Posts removed by moderators, and members suspended, blocked either way, or muted."""
    shown, removing, suspended, blocked, blocking, muted = UserFactory.create_batch(6)
    for member in (shown, removing, suspended, blocked, blocking, muted):
        services.follow(follower=alice, followee=member)
    start = timezone.now() - timedelta(days=1)
    posts = {}
    for n in range(12):
        for member in (shown, removing, suspended, blocked, blocking, muted):
            posts[member, n] = PostFactory(
                author=member, title=f"{member.username} {n}", created=start + timedelta(minutes=n)
            )
    for n in (3, 11):
        posts[removing, n].removed = timezone.now()
        posts[removing, n].save()
    suspended.is_active = False
    suspended.save()
    services.block(blocker=alice, blocked=blocked)
    services.block(blocker=blocking, blocked=alice)
    services.mute(muter=alice, muted=muted)
    expected = [
        post
        for (member, n), post in posts.items()
        if member == shown or (member == removing and n not in (3, 11))
    ]
    client.force_login(alice)
    assert following_tab(client) == in_pages(newest_first(expected))
