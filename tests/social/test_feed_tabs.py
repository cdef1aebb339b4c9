"""The feed's Following and Everyone tabs."""

import re

import pytest

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
    client.get("/readyz/")
    with django_assert_max_num_queries(13):
        response = client.get("/?tab=following")
    assert len(titles(response.content.decode())) == min(count, 10)
