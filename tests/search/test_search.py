"""Searching people and posts: matching, ranking (PostgreSQL) and the fallback (SQLite), blocks,
hostile input, live results, paging, query counts."""

import re
from datetime import timedelta

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from apps.feed.models import Post, Tag
from apps.feed.selectors import search_posts, search_vector
from apps.feed.services import create_post, set_like
from apps.profiles.selectors import search_people
from apps.social.services import block
from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search runs on PostgreSQL"
)
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite fallback")


def search(client, query: str, **headers):
    return client.get("/search/", {"q": query}, headers=headers)


def titles(html: str) -> list[str]:
    return re.findall(r'id="post-\d+-title">\s*(?:<a[^>]*>)?\s*([^<]+?)\s*<', html)


def handles(html: str) -> list[str]:
    return re.findall(r'<div class="post-meta text-break">@(\w+)[ <]', html)


def make_posts(count: int, title: str) -> list[Post]:
    """Posts titled "<title> 0" (the oldest) to "<title> <count - 1>" (the newest)."""
    start = timezone.now() - timedelta(days=1)
    return [
        PostFactory(title=f"{title} {n}", created=start + timedelta(minutes=n))
        for n in range(count)
    ]


# --- People ----------------------------------------------------------------------------------


def test_people_are_found_by_handle_and_by_name(client):
    UserFactory(username="wendy_w", first_name="Wendy", last_name="Writer")
    UserFactory(username="rita", first_name="Rita", last_name="Reader")
    assert handles(search(client, "endy_").content.decode()) == ["wendy_w"]
    assert handles(search(client, "reader").content.decode()) == ["rita"]
    assert handles(search(client, "Rita Reader").content.decode()) == ["rita"]


def test_an_at_handle_finds_the_member_with_the_exact_handle_first(client):
    for name in ["anna_b", "anna", "hanna"]:
        UserFactory(username=name, first_name="Someone", last_name="Else")
    html = search(client, "@Anna").content.decode()
    assert handles(html) == ["anna", "anna_b", "hanna"]
    assert 'href="/u/anna/"' in html
    assert 'data-presence="anna"' in html


def test_inactive_members_are_not_found(client):
    UserFactory(username="gone_member", is_active=False)
    assert handles(search(client, "gone_member").content.decode()) == []


@pytest.mark.parametrize("direction", ["viewer blocked them", "they blocked the viewer"])
def test_members_blocked_either_way_are_not_found_nor_their_posts(client, user, direction):
    other = UserFactory(username="blocky", first_name="Bob", last_name="Blocky")
    create_post(author=other, title="Blocky thoughts", text="x", tags=[], image=None)
    if direction == "viewer blocked them":
        block(blocker=user, blocked=other)
    else:
        block(blocker=other, blocked=user)
    client.force_login(user)
    html = search(client, "blocky").content.decode()
    assert handles(html) == []
    assert titles(html) == []
    assert "Nothing found for “blocky”." in html


# --- Posts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [("teapot", ["A teapot"]), ("kettle", ["Kettles"]), ("#oolong", ["Tagged"])],
)
def test_posts_are_found_by_title_text_and_tag(client, query, expected):
    author = UserFactory()
    create_post(author=author, title="A teapot", text="x", tags=[], image=None)
    create_post(author=author, title="Kettles", text="The kettle sings.", tags=[], image=None)
    create_post(author=author, title="Tagged", text="x", tags=["oolong"], image=None)
    create_post(author=author, title="Other", text="Nothing to see.", tags=["tea"], image=None)
    assert titles(search(client, query).content.decode()) == expected


def test_every_word_of_the_query_must_match(client):
    author = UserFactory()
    create_post(author=author, title="Green tea", text="and a cake", tags=[], image=None)
    create_post(author=author, title="Green fields", text="x", tags=[], image=None)
    assert titles(search(client, "green cake").content.decode()) == ["Green tea"]


def test_words_in_any_script_are_found(client):
    create_post(author=UserFactory(), title="привет мир", text="x", tags=[], image=None)
    assert titles(search(client, "мир").content.decode()) == ["привет мир"]


def test_a_card_in_the_results_is_the_feed_card(client, user):
    post = create_post(author=UserFactory(), title="Liked one", text="x", tags=["tea"], image=None)
    set_like(user=user, post=post, liked=True)
    client.force_login(user)
    html = search(client, "liked").content.decode()
    assert f'id="post-{post.pk}"' in html
    assert 'href="/tags/tea/">#tea</a>' in html
    assert 'aria-pressed="true"' in html


@on_postgresql
def test_on_postgresql_a_title_match_ranks_above_a_text_match(client):
    author = UserFactory()
    older = timezone.now() - timedelta(days=2)
    PostFactory(author=author, title="Travel notes", text="x", created=older)
    PostFactory(author=author, title="Newer post", text="I like to travel.")
    assert titles(search(client, "travel").content.decode()) == ["Travel notes", "Newer post"]


@on_postgresql
def test_on_postgresql_a_word_matches_the_start_of_words_only(client):
    PostFactory(title="Travelling light")
    PostFactory(title="Unravel it")
    assert titles(search(client, "trav").content.decode()) == ["Travelling light"]


@on_postgresql
def test_on_postgresql_the_search_can_use_the_gin_index():
    matching = Post.objects.alias(document=search_vector()).filter(
        document=SearchQuery("tea:*", config="simple", search_type="raw")
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table would be scanned
    assert "feed_post_search_idx" in matching.explain()


@on_sqlite
def test_on_sqlite_words_match_anywhere_and_the_newest_comes_first(client):
    author = UserFactory()
    older = timezone.now() - timedelta(days=2)
    PostFactory(author=author, title="Travel notes", text="x", created=older)
    PostFactory(author=author, title="Newer post", text="I like to travel.")
    PostFactory(author=author, title="Unravel it", text="x", created=older - timedelta(days=1))
    html = search(client, "ravel").content.decode()
    assert titles(html) == ["Newer post", "Travel notes", "Unravel it"]


# --- The page --------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "   ", "\x00", "\t\u200b\n"])
def test_an_empty_query_shows_the_empty_search_page(client, query):
    UserFactory()
    PostFactory()
    response = search(client, query)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Find people by name or @handle" in html
    assert titles(html) == handles(html) == []
    assert 'role="search"' in html


def test_the_search_form_works_without_javascript(client):
    html = client.get("/search/").content.decode()
    form = re.search(r'<form[^>]*role="search"[^>]*>', html).group(0)
    assert 'method="get"' in form
    assert 'action="/search/"' in form
    assert '<label class="form-label" for="search-q">' in html
    assert 'type="submit"' in html
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert 'hx-push-url="true"' in html


@pytest.mark.parametrize(
    "query",
    [
        "a & | ! :* ( '",
        "'",
        "\\",
        ":*",
        "!!!",
        "a <-> b",
        "%_%",
        "a\x00b",
        "🎉 emoji 🎉",
        "<script>alert(1)</script>",
        "'; DROP TABLE feed_post; --",
        "\u202e\u200b\ufeff",
        "İstanbul",
        "x" * 10_000,
        "a " * 500,
    ],
)
def test_nothing_typed_is_a_server_error(client, user, query):
    PostFactory(title="Something")
    client.force_login(user)
    assert search(client, query).status_code == 200
    assert search(client, query, **HTMX).status_code == 200


@pytest.mark.parametrize("query", ["a\x00b", "#t\x00", "@\x00", "a & | ! :* ( '", "é" * 3000])
def test_the_selectors_alone_take_any_text(user, query):
    PostFactory(title="a b", author=user)
    assert search_posts(viewer=user, query=query).items is not None
    assert search_people(viewer=user, query=query) is not None


def test_a_query_too_long_is_cut_and_says_so(client):
    PostFactory(title="needle")
    html = search(client, "needle " + "x" * 200).content.decode()
    assert "only its first 100 characters are searched" in html
    assert 'maxlength="100"' in html


def test_typing_gets_the_results_only_with_the_count_for_the_live_region(client):
    UserFactory(username="teaman")
    PostFactory(title="Tea time")
    response = search(client, "tea", **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="search-q"' not in html  # the input being typed in is left alone
    assert handles(html) == ["teaman"]
    assert titles(html) == ["Tea time"]
    status = re.search(r'<p[^>]*id="search-status"[^>]*>(.*?)</p>', html, re.S)
    assert 'hx-swap-oob="innerHTML"' in status.group(0)
    assert 'aria-live="polite"' in status.group(0)
    assert " ".join(status.group(1).split()) == "Found 1 person and 1 post."


def test_going_back_to_a_search_gets_the_whole_page(client):
    PostFactory(title="Tea time")
    response = search(client, "tea", **HTMX, **{"HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


def test_the_search_page_in_russian_has_no_english_ui_text(client):
    from tests.core.test_russian_pages import english_in, english_strings

    author = UserFactory(username="lev", first_name="Лев", last_name="Толстой")
    PostFactory.create_batch(11, author=author, title="Лев и пост", text="Привет")
    russian = {"Accept-Language": "ru"}
    pages = {
        "empty": search(client, "", **russian),
        "found": search(client, "лев", **russian),
        "typing": search(client, "лев", **russian, **HTMX),
        "nothing": search(client, "нет", **russian),
        "more": client.get("/search/", {"q": "лев", "after": "10"}, headers=russian),
    }
    strings = english_strings()
    leftovers = {name: english_in(page.content.decode(), strings) for name, page in pages.items()}
    assert {name: found for name, found in leftovers.items() if found} == {}


def test_the_navbar_search_box_is_a_labelled_get_form():
    html = render_to_string("partials/navbar_search.html", request=RequestFactory().get("/"))
    assert 'role="search"' in html
    assert 'method="get"' in html
    assert 'action="/search/"' in html
    assert 'for="navbar-search-q"' in html
    assert 'id="navbar-search-q"' in html
    assert 'name="q"' in html
    assert 'type="search"' in html


# --- Paging and query counts -----------------------------------------------------------------


def test_more_posts_load_as_you_scroll_and_through_a_real_link(client):
    make_posts(25, title="Match")
    html = search(client, "match").content.decode()
    assert titles(html) == [f"Match {n}" for n in range(24, 14, -1)]
    assert "Found more than 10 posts." in " ".join(html.split())
    link = re.search(r'href="(/search/\?q=match&amp;after=10)">Load more', html).group(1)
    assert f'hx-get="{link}"' in html
    assert 'hx-trigger="revealed"' in html
    link = link.replace("&amp;", "&")
    second = client.get(link).content.decode()
    assert "<html" in second  # without JavaScript: a whole page
    assert titles(second) == [f"Match {n}" for n in range(14, 4, -1)]
    fragment = client.get(link, headers=HTMX).content.decode()
    assert "<html" not in fragment
    assert titles(fragment) == titles(second)
    last = client.get("/search/?q=match&after=20", headers=HTMX).content.decode()
    assert titles(last) == [f"Match {n}" for n in range(4, -1, -1)]
    assert "Load more" not in last


@pytest.mark.parametrize("cursor", ["garbage", "0", "-10", "7", "5000", "%00", "１０", "9" * 40])
def test_a_bad_cursor_is_a_400_not_a_500(client, cursor):
    PostFactory(title="Match")
    assert client.get("/search/", {"q": "match", "after": cursor}).status_code == 400


@pytest.mark.parametrize("count", [5, 50])
def test_the_results_take_the_same_number_of_queries_whatever_their_number(
    client, user, count, django_assert_max_num_queries, settings
):
    # The rate limit's counters live in the cache (Redis in production, the database table
    # here): not the page's queries, and tested on their own below.
    settings.RATE_LIMITS = {k: v for k, v in settings.RATE_LIMITS.items() if k != "search"}
    for n in range(count):
        member = UserFactory(username=f"match{n}", first_name="Match")
        post = PostFactory(author=member, title=f"Match {n}")
        post.tags.set(Tag.objects.bulk_create([Tag(name=f"t{post.pk}a"), Tag(name=f"t{post.pk}b")]))
        CommentFactory(post=post)
        set_like(user=user, post=post, liked=True)
    client.force_login(user)
    client.get("/pow/challenge/")  # the once-a-minute presence touch
    with django_assert_max_num_queries(14):
        assert search(client, "match").status_code == 200
    with django_assert_max_num_queries(11):
        assert search(client, "match", **HTMX).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get("/search/?q=match&after=10", headers=HTMX).status_code == 200


def test_searching_too_often_is_a_clear_429(client, settings, rate_window):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"search": "2/m/ip"}
    for _ in range(2):
        assert client.get("/search/", {"q": "tea"}).status_code == 200
    response = client.get("/search/", {"q": "tea"})
    assert response.status_code == 429
    assert "too often" in response.content.decode()
