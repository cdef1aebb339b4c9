"""Reading the feed: order, cards, tags, pagination, permalinks, query counts."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from apps.feed.models import Post, Tag
from apps.feed.services import create_post, set_like
from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def make_posts(count: int, **kwargs) -> list[Post]:
    start = timezone.now() - timedelta(days=1)
    return [PostFactory(created=start + timedelta(minutes=n), **kwargs) for n in range(count)]


def titles(html: str) -> list[str]:
    return re.findall(r'id="post-\d+-title">\s*(?:<a[^>]*>)?\s*([^<]+?)\s*<', html)


def test_feed_shows_newest_posts_first(client):
    posts = make_posts(3)
    assert titles(client.get("/").content.decode()) == [p.title for p in reversed(posts)]


def test_a_card_shows_author_presence_date_title_tags_text_and_counts(client):
    author = UserFactory(username="writer", first_name="Wendy", last_name="Writer")
    post = create_post(author=author, title="Hello", text="Line 1\nsee https://example.org",
                       tags=["travel", "tea"], image=None)  # fmt: skip
    CommentFactory(post=post)
    html = client.get("/").content.decode()
    assert 'href="/u/writer/"' in html
    assert "Wendy Writer" in html
    assert 'data-presence="writer"' in html
    moment = post.created.isoformat(timespec="seconds")
    assert f'datetime="{moment}"' in html[: html.index("Hello") + 2000]
    assert 'href="/tags/tea/">#tea</a>' in html
    assert 'href="/tags/travel/">#travel</a>' in html
    assert "Line 1<br>" in html
    assert '<a href="https://example.org" rel="nofollow">https://example.org</a>' in html
    assert 'data-copy="http://testserver/posts/' in html


def test_long_text_is_collapsed_with_read_more(client):
    post = PostFactory(text="word " * 400)
    html = client.get("/").content.decode()
    assert "Read more" in html
    assert f'href="{post.get_absolute_url()}">Read more' in html


def test_empty_feed_invites_writing(client):
    html = client.get("/").content.decode()
    assert "No posts yet." in html
    assert 'href="/posts/new/"' in html


def test_the_feed_pages_by_cursor_and_offers_a_real_load_more_link(client):
    posts = make_posts(25)
    html = client.get("/").content.decode()
    assert len(titles(html)) == 10
    link = re.search(r'href="(/\?after=[^"]+)">Load more', html).group(1)
    assert 'hx-trigger="revealed"' in html
    second = client.get(link.replace("&amp;", "&"))
    assert second.status_code == 200
    assert "<html" in second.content.decode()  # without JavaScript: a whole page
    assert titles(second.content.decode())[0] == posts[14].title


def test_scrolling_loads_the_next_page_as_a_fragment(client):
    posts = make_posts(15)
    link = re.search(r'hx-get="(/\?after=[^"]+)"', client.get("/").content.decode()).group(1)
    html = client.get(link, headers=HTMX).content.decode()
    assert "<html" not in html
    assert titles(html) == [p.title for p in reversed(posts[:5])]
    assert "Load more" not in html


def test_posts_added_between_pages_cause_no_duplicates_or_gaps(client):
    posts = make_posts(20)
    first = client.get("/").content.decode()
    link = re.search(r'hx-get="(/\?after=[^"]+)"', first).group(1)
    PostFactory(title="Brand new")  # published while the reader scrolls
    second = client.get(link, headers=HTMX).content.decode()
    seen = titles(first) + titles(second)
    assert seen == [p.title for p in reversed(posts)]


def test_posts_with_the_same_timestamp_are_not_lost_at_a_page_boundary(client):
    moment = timezone.now()
    posts = [PostFactory(created=moment) for _ in range(12)]
    first = client.get("/").content.decode()
    link = re.search(r'hx-get="(/\?after=[^"]+)"', first).group(1)
    second = client.get(link, headers=HTMX).content.decode()
    assert sorted(titles(first) + titles(second)) == sorted(p.title for p in posts)


@pytest.mark.parametrize("cursor", ["garbage", "%00", "MjAyNi0xMS0yNXwx", "a" * 5000])
def test_a_forged_cursor_is_a_400_not_a_500(client, cursor):
    assert client.get("/", {"after": cursor}).status_code == 400


def test_tag_page_shows_only_posts_with_that_tag(client):
    author = UserFactory()
    create_post(author=author, title="Tagged", text="x", tags=["tea"], image=None)
    create_post(author=author, title="Other", text="x", tags=["coffee"], image=None)
    html = client.get("/tags/tea/").content.decode()
    assert titles(html) == ["Tagged"]
    assert "Posts tagged #tea" in html


def test_an_unused_tag_has_an_empty_state(client):
    html = client.get("/tags/nothing-here/").content.decode()
    assert "No posts tagged #nothing-here yet." in html


def test_the_tag_filter_goes_to_the_tag_page(client):
    response = client.get("/", {"tag": "#Tea"})
    assert response["Location"] == "/tags/tea/"
    assert client.get("/tags/Tea/")["Location"] == "/tags/tea/"


def test_a_malformed_tag_is_a_404_or_a_message(client):
    assert client.get("/tags/%3Cscript%3E/").status_code == 404
    response = client.get("/", {"tag": "<b>"}, follow=True)
    assert "is not a valid tag" in response.content.decode()


def test_profile_page_lists_the_users_posts(client):
    author = UserFactory(username="poet")
    PostFactory(author=author, title="My poem")
    PostFactory(title="Someone else's")
    html = client.get("/u/poet/").content.decode()
    assert titles(html) == ["My poem"]


def test_post_page_is_a_permalink_with_share_previews(client):
    post = PostFactory(title="Shared <thing>", text="Preview text")
    html = client.get(post.get_absolute_url()).content.decode()
    assert '<meta property="og:title" content="Shared &lt;thing&gt;">' in html
    assert '<meta property="og:description" content="Preview text">' in html
    assert re.search(rf'property="og:url"\s+content="http://testserver/posts/{post.pk}/"', html)
    assert '<meta name="twitter:card" content="summary">' in html


@pytest.mark.parametrize("host", ["testserver", "www.testserver:8443"])
def test_shared_addresses_are_the_sites_own_whatever_host_the_request_named(client, settings, host):
    """The canonical link, og:url and the link to copy name SITE_URL, never the Host the request
    came with (any allowed alias or port), so a share always points at the one real address."""
    settings.ALLOWED_HOSTS = ["testserver", ".testserver"]
    post = PostFactory(title="Shared")
    page = client.get(post.get_absolute_url(), headers={"Host": host}).content.decode()
    feed = client.get("/", headers={"Host": host}).content.decode()
    expected = f"http://testserver/posts/{post.pk}/"
    assert re.search(rf'rel="canonical"\s+href="{expected}"', page)
    assert re.search(rf'property="og:url"\s+content="{expected}"', page)
    assert f'data-copy="{expected}"' in feed
    assert "8443" not in page + feed


def test_on_site_leaves_an_address_that_names_its_origin_alone():
    """A bucket's or a CDN's image address is already absolute: og:image must not get the
    site's origin glued in front of it."""
    from apps.core.templatetags.site import on_site

    assert on_site("/media/a.jpg") == "http://testserver/media/a.jpg"
    assert on_site("https://bucket.example/a.jpg?X-Amz=1") == "https://bucket.example/a.jpg?X-Amz=1"
    assert on_site("//cdn.example/a.jpg") == "//cdn.example/a.jpg"


def test_a_missing_post_is_a_404(client):
    assert client.get("/posts/999999/").status_code == 404


def test_titles_text_and_tags_render_escaped(client):
    PostFactory(title="<script>alert(1)</script>", text="<img src=x onerror=alert(2)>")
    html = client.get("/").content.decode()
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("count", [5, 50])
def test_every_page_uses_the_same_number_of_queries_whatever_the_posts(
    client, count, django_assert_max_num_queries
):
    reader = UserFactory(username="reader")
    author = UserFactory(username="author")
    for post in make_posts(count, author=author):
        post.tags.set(Tag.objects.bulk_create([Tag(name=f"t{post.pk}a"), Tag(name=f"t{post.pk}b")]))
        CommentFactory.create_batch(2, post=post)
        set_like(user=reader, post=post, liked=True)
    client.force_login(reader)
    client.get("/pow/challenge/")  # the once-a-minute presence touch
    post = Post.objects.first()
    # Session and user, blocks, follows (tab, buttons), posts, tags, mentions, likes, the
    # people online now, the unread count, the menu's moderation permission, and on a feed
    # tab where the member left off (read, then moved): a fixed dozen or so, whatever the
    # page holds.
    for url in ["/", f"/tags/t{post.pk}a/", "/u/author/", post.get_absolute_url()]:
        with django_assert_max_num_queries(17):
            assert client.get(url).status_code == 200


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_cursor_at_the_edge_of_time_is_a_400(client, moment):
    import base64

    cursor = base64.urlsafe_b64encode(f"{moment}|5".encode()).decode().rstrip("=")
    assert client.get("/", {"after": cursor}).status_code == 400


def test_tags_with_turkish_capitals_are_accepted(client):
    from apps.feed.services import parse_tags

    assert parse_tags("#İstanbul") == ["istanbul"]


def test_times_name_their_moment_and_read_as_a_date_without_javascript(client):
    recent = PostFactory(created=timezone.now() - timedelta(minutes=5))
    old = PostFactory(created=datetime(2026, 1, 5, 12, 0, 30, 123456, tzinfo=UTC))
    CommentFactory(post=old, created=datetime(2026, 1, 6, 9, 15, tzinfo=UTC))
    html = client.get("/").content.decode()
    assert (
        '<time datetime="2026-01-05T12:00:30+00:00" title="Jan. 5, 2026, noon UTC" '
        "data-relative>Jan. 5, 2026, noon UTC</time>" in html
    )
    moment = recent.created.isoformat(timespec="seconds")
    assert f'<time datetime="{moment}" title="' in html
    assert "ago" not in html  # the page says how long ago (static/js/times.js)
    ru = client.get("/", headers={"Accept-Language": "ru"}).content.decode()
    assert ">5 января 2026 г. 12:00 UTC</time>" in ru  # the genitive, not "5 Янв 2026"
    thread = client.get(old.get_absolute_url(), headers={"Accept-Language": "ru"})
    assert ">6 января 2026 г. 9:15 UTC</time>" in thread.content.decode()


def test_the_post_page_has_one_h1_and_a_way_back(client):
    post = PostFactory(title="The one")
    html = client.get(post.get_absolute_url()).content.decode()
    assert re.findall(r"<h1[^>]*>([^<]*)</h1>", html) == ["The one"]
    assert '<a class="meta-link mono small" href="/">' in html
    feed = client.get("/").content.decode()
    assert f'<h2 class="h5 card-title text-break" id="post-{post.pk}-title">' in feed
    assert len(re.findall(r"<h1\b", feed)) == 1  # cards are h2 under the feed's own h1


def test_cards_on_a_profile_do_not_repeat_the_profile_header(client):
    alice = UserFactory(username="alice")
    PostFactory(author=alice, title="Mine")
    profile = client.get("/u/alice/").content.decode()
    # The header's handle, not one per card (the Follow button names her to screen readers).
    assert profile.count(">@alice<") - profile.count('visually-hidden">@alice<') == 1
    assert profile.count('data-presence="alice"') == 1
    feed = client.get("/").content.decode()
    assert ">@alice<" in feed
    assert 'data-presence="alice"' in feed


def test_edit_and_delete_sit_behind_a_menu_and_delete_asks_first(client):
    author = UserFactory()
    post = PostFactory(author=author)
    client.force_login(author)
    html = client.get("/").content.decode()
    menu = re.search(r'<details class="post-menu">.*?</details>', html, re.S).group(0)
    assert f'href="/posts/{post.pk}/edit/"' in menu
    assert f'href="/posts/{post.pk}/delete/"' in menu
    confirm = client.get(f"/posts/{post.pk}/delete/")
    assert confirm.status_code == 200  # a page that asks; only its POST deletes
    assert Post.objects.filter(pk=post.pk).exists()


def test_each_reader_sees_their_own_state_on_a_card_others_have_seen(client):
    """Cards are rendered once and kept; the reader's own parts are not."""
    author = UserFactory(username="writer", first_name="Wendy", last_name="Writer")
    post = create_post(author=author, title="Kept", text="Same for all", tags=[], image=None)
    fan, other = UserFactory(), UserFactory()
    set_like(user=fan, post=post, liked=True)
    client.force_login(other)
    assert 'aria-pressed="false"' in client.get("/?tab=everyone").content.decode()
    client.force_login(fan)
    html = client.get("/?tab=everyone").content.decode()
    assert 'aria-pressed="true"' in html
    assert "Liked" in html
    client.force_login(author)
    html = client.get("/?tab=everyone").content.decode()
    assert f"/posts/{post.pk}/edit/" in html  # the author's menu, absent for the others
    client.force_login(other)
    assert f"/posts/{post.pk}/edit/" not in client.get("/?tab=everyone").content.decode()


def test_a_kept_card_shows_the_authors_new_name_and_the_posts_new_text(client):
    author = UserFactory(username="writer", first_name="Wendy", last_name="Writer")
    post = create_post(author=author, title="Before", text="Old words", tags=["one"], image=None)
    assert "Wendy Writer" in client.get("/").content.decode()
    author.first_name = "Gwen"
    author.save()
    Post.objects.filter(pk=post.pk).update(title="After", text="New words")
    post.tags.set([Tag.objects.create(name="two")])
    html = client.get("/").content.decode()
    assert "Gwen Writer" in html
    assert "Wendy" not in html
    assert "After" in html
    assert "New words" in html
    assert "Old words" not in html
    assert "#two" in html
    assert "#one" not in html


def image_loading(html: str) -> dict[str, str]:
    """Each card image's loading attributes, by its post's title."""
    cards = re.findall(r'id="post-\d+-title">.*?</h[12]>(.*?)</article>', html, re.S)
    names = titles(html)
    found = {}
    for name, card in zip(names, cards, strict=True):
        image = re.search(r"<img class=\"img-fluid[^>]*>", card)
        if image:
            found[name] = " ".join(re.findall(r'(fetchpriority="\w+"|loading="\w+")', image[0]))
    return found


def test_the_first_screens_image_loads_first_and_the_others_as_they_come_near(client):
    from tests.images import image_bytes

    author = UserFactory()
    for title, image in [("Older photo", True), ("Photo", True), ("Words", False)]:
        create_post(author=author, title=title, text="Text", tags=[],
                    image=image_bytes() if image else None)  # fmt: skip
    assert image_loading(client.get("/").content.decode()) == {
        "Photo": 'fetchpriority="high"',
        "Older photo": 'loading="lazy"',
    }
    post = Post.objects.get(title="Older photo")
    assert image_loading(client.get(post.get_absolute_url()).content.decode()) == {
        "Older photo": 'fetchpriority="high"'
    }
    profile = client.get(f"/u/{author.username}/").content.decode()
    assert image_loading(profile) == {
        "Photo": 'fetchpriority="high"',
        "Older photo": 'loading="lazy"',
    }
