"""The notifications page: an icon and a sentence per kind, an excerpt of what was said (never
of what was removed), stacked avatars for a burst, a Mentions tab, and read as it is viewed."""

import re

import pytest
from django.contrib.staticfiles import finders

from apps.feed import services as feed
from apps.feed.models import Comment
from apps.social import selectors, services, targets
from apps.social.kinds import KINDS, TABS
from apps.social.models import Kind, Notification
from tests.factories import PostFactory, UserFactory

from .test_notifications import lines, quoted_lines

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def post(alice):
    return PostFactory(author=alice, title="Spring <b>notes</b>")


def every_member_kind(alice, bob, post) -> None:
    """Alice is followed, liked, commented on, replied to and mentioned by Bob."""
    services.follow(follower=bob, followee=alice)
    feed.set_like(user=bob, post=post, liked=True)
    feed.create_comment(author=bob, post=post, text="Lovely")
    mine = feed.create_comment(author=alice, post=PostFactory(author=bob), text="Hi")
    feed.create_comment(author=bob, post=mine.post, text="Thanks", parent=mine)
    feed.create_comment(author=bob, post=PostFactory(author=bob), text="Look, @alice")


def rows(html: str) -> dict[str, str]:
    """Each line's markup by its kind."""
    return dict(re.findall(r'<li class="[^"]*notification[^"]*"\s+data-kind="(\w+)">(.*?)</li>',
                           html, re.S))  # fmt: skip


# --- A line per kind -------------------------------------------------------------------------


def test_every_kind_has_an_icon_a_label_and_its_sentences_in_one_table():
    assert set(KINDS) == set(Kind.values)
    for kind, style in KINDS.items():
        assert finders.find(f"vendor/bootstrap-icons/{style.icon}.svg"), kind
        assert str(style.label)
        assert (style.one is None) == (kind in {Kind.REMOVED, Kind.SUSPENDED, Kind.APPEAL})
    assert TABS == [Kind.MENTION]


def test_each_kind_shows_its_icon_hidden_from_screen_readers_and_says_the_kind_in_words(
    client, alice, bob, post
):
    every_member_kind(alice, bob, post)
    client.force_login(alice)
    shown = rows(client.get("/notifications/").content.decode())
    words = {
        "follow": "<strong>Bob B</strong> followed you",
        "like": "<strong>Bob B</strong> liked your post",
        "comment": "<strong>Bob B</strong> commented on your post",
        "reply": "<strong>Bob B</strong> replied to your comment",
        "mention": "<strong>Bob B</strong> mentioned you",
    }
    assert set(shown) == set(words)
    for kind, sentence in words.items():
        assert sentence in shown[kind]
        icon = re.search(r'<span class="kind-icon kind-icon-(\w+)"\s+aria-hidden="true">'
                         r'<svg class="kind-icon-svg" aria-hidden="true" focusable="false"',
                         shown[kind])  # fmt: skip
        assert icon is not None
        assert icon.group(1) == kind


# --- What a line quotes ----------------------------------------------------------------------


def test_a_comment_is_quoted_escaped(client, alice, bob, post):
    feed.create_comment(author=bob, post=post, text="<script>alert('hi')</script> nice")
    client.force_login(alice)
    html = client.get("/notifications/").content.decode()
    assert "“&lt;script&gt;alert(&#x27;hi&#x27;)&lt;/script&gt; nice”" in html
    assert "<script>alert" not in html


def test_a_like_quotes_the_post_title_escaped(client, alice, bob, post):
    feed.set_like(user=bob, post=post, liked=True)
    client.force_login(alice)
    assert quoted_lines(client) == [
        ("Bob B liked your post (new)", "“Spring &lt;b&gt;notes&lt;/b&gt;”")
    ]


def test_a_long_text_is_cut_at_a_word_with_an_ellipsis(client, alice, bob, post):
    words = "alpha beta gamma delta epsilon " * 10
    feed.create_comment(author=bob, post=post, text=f"Dear @alice,\n\n{words}")
    client.force_login(alice)
    [(_, quote)] = quoted_lines(client)
    said = quote.removeprefix("“").removesuffix("”")
    assert said.startswith("Dear @alice, alpha beta")
    assert said.endswith("…")
    assert len(said) <= 140
    assert said[:-1].split(" ")[-1] in {"alpha", "beta", "gamma", "delta", "epsilon"}


def test_excerpt_keeps_a_short_text_and_cuts_a_word_too_long_to_break():
    assert selectors.excerpt("  one\ntwo  ") == "one two"
    assert selectors.excerpt("x" * 300) == "x" * 139 + "…"


def test_a_removed_post_is_not_quoted(client, alice, bob, post):
    feed.set_like(user=bob, post=post, liked=True)
    feed.remove_post(post=post)
    client.force_login(alice)
    html = client.get("/notifications/").content.decode()
    assert quoted_lines(client)[0][1] == "(removed)"
    assert "Spring &lt;b&gt;notes" not in html


def test_a_removed_or_deleted_comment_quotes_nothing_of_its_text(alice, bob, post):
    comment = feed.create_comment(author=bob, post=post, text="Secret words")
    assert targets.excerpt_of(comment) == "Secret words"
    feed.remove_comment(comment=comment)
    comment.refresh_from_db()
    assert targets.excerpt_of(comment) is None
    comment.removed, comment.is_deleted = None, True
    assert targets.excerpt_of(comment) is None


def test_a_comment_under_a_post_the_reader_cannot_see_quotes_nothing(alice, bob, post):
    """The post page would answer 404: its removal or its author's suspension hides the
    thread, and the notification (and the digest) quote none of it."""
    comment = feed.create_comment(author=bob, post=post, text="Secret words")
    feed.remove_post(post=post)
    assert targets.excerpt_of(Comment.objects.get(pk=comment.pk)) is None
    other = PostFactory(author=bob)
    reply = feed.create_comment(author=alice, post=other, text="Hidden too")
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    assert targets.excerpt_of(Comment.objects.get(pk=reply.pk)) is None


def test_a_follow_quotes_nothing(client, alice, bob):
    services.follow(follower=bob, followee=alice)
    client.force_login(alice)
    assert quoted_lines(client) == [("Bob B followed you (new)", "")]


# --- A burst ---------------------------------------------------------------------------------


def test_a_burst_stacks_the_three_newest_avatars_and_names_two(client, alice, post):
    for name in ("carol", "dave", "erin", "fred"):
        member = UserFactory(username=name, first_name=name.title(), last_name="X")
        feed.set_like(user=member, post=post, liked=True)
    client.force_login(alice)
    html = client.get("/notifications/").content.decode()
    stack = re.search(r'<span class="avatar-stack">(.*?)</span>\s*<span class="kind-icon', html,
                      re.S).group(1)  # fmt: skip
    assert re.findall(r'data-avatar="(\w+)"', stack) == ["fred", "erin", "dave"]
    assert stack.count('aria-hidden="true"') == 3  # the names are in the sentence
    assert lines(client) == ["Fred X, Erin X and 2 others liked your post"]


def test_two_actors_are_both_named(client, alice, bob, post):
    feed.set_like(user=bob, post=post, liked=True)
    feed.set_like(user=UserFactory(first_name="Carol", last_name="C"), post=post, liked=True)
    client.force_login(alice)
    assert lines(client) == ["Carol C and Bob B liked your post (new)"]


def test_one_actor_commenting_twice_is_one_avatar(client, alice, bob, post):
    feed.create_comment(author=bob, post=post, text="One")
    feed.create_comment(author=bob, post=post, text="Two")
    client.force_login(alice)
    assert quoted_lines(client) == [("Bob B commented on your post (new)", "“Two”")]
    assert "avatar-stack" not in client.get("/notifications/").content.decode()


# --- The Mentions tab ------------------------------------------------------------------------


def test_the_mentions_tab_shows_only_mentions(client, alice, bob, post):
    every_member_kind(alice, bob, post)
    client.force_login(alice)
    html = client.get("/notifications/", {"kind": "mention"}).content.decode()
    assert set(rows(html)) == {"mention"}
    assert re.search(r'href="/notifications/\?kind=mention"\s+aria-current="page">Mentions<', html)
    assert re.search(r'href="/notifications/"\s*>All<', html)


def test_all_is_the_current_tab_and_an_unknown_kind_shows_everything(client, alice, bob, post):
    every_member_kind(alice, bob, post)
    client.force_login(alice)
    for query in ({}, {"kind": "nonsense"}, {"kind": "like"}):
        html = client.get("/notifications/", query).content.decode()
        assert len(rows(html)) == 5
        assert re.search(r'href="/notifications/"\s+aria-current="page">All<', html)


def test_the_mentions_tab_keeps_its_kind_across_pages(client, alice, bob):
    for index in range(selectors.NOTIFICATIONS_PAGE_SIZE + 1):
        feed.create_comment(author=bob, post=PostFactory(author=bob), text=f"@alice {index}")
    client.force_login(alice)
    html = client.get("/notifications/", {"kind": "mention"}).content.decode()
    assert 'href="?kind=mention&amp;page=2"' in html


# --- Read as it is viewed --------------------------------------------------------------------


def test_viewing_the_page_clears_the_bell_on_that_page_and_still_shows_what_was_new(
    client, alice, bob, post
):
    every_member_kind(alice, bob, post)
    client.force_login(alice)
    assert "data-unread-count>5<" in client.get("/").content.decode()
    html = client.get("/notifications/").content.decode()
    assert "data-unread-count" not in html
    assert html.count('<span class="badge new-badge">New</span>') == 5
    assert "Mark all as read" not in html
    assert not Notification.objects.filter(recipient=alice, read=False).exists()
    # Seen once: the next view shows nothing new, and the poll keeps the bell clear.
    assert "new-badge" not in client.get("/notifications/").content.decode()
    poll = client.get("/presence/", {"bell": "1"}, headers=HTMX).content.decode()
    assert 'id="notification-bell"' in poll
    assert "data-unread-count" not in poll


def test_the_mentions_tab_marks_only_mentions_read(client, alice, bob, post):
    every_member_kind(alice, bob, post)
    client.force_login(alice)
    html = client.get("/notifications/", {"kind": "mention"}).content.decode()
    assert "data-unread-count>4<" in html
    assert "Mark all as read" in html
    unread = Notification.objects.filter(recipient=alice, read=False)
    assert sorted(unread.values_list("kind", flat=True)) == ["comment", "follow", "like", "reply"]


def test_a_head_request_or_a_prefetch_marks_nothing_read(client, alice, bob, post):
    feed.set_like(user=bob, post=post, liked=True)
    client.force_login(alice)
    assert client.head("/notifications/").status_code == 200
    assert client.get("/notifications/", headers={"Sec-Purpose": "prefetch"}).status_code == 200
    assert Notification.objects.filter(recipient=alice, read=False).count() == 1


def test_a_visit_another_site_started_marks_nothing_read(client, alice, bob, post):
    feed.set_like(user=bob, post=post, liked=True)
    client.force_login(alice)
    response = client.get("/notifications/", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200
    assert Notification.objects.filter(recipient=alice, read=False).count() == 1
    client.get("/notifications/", headers={"Sec-Fetch-Site": "same-origin"})
    assert not Notification.objects.filter(recipient=alice, read=False).exists()


def test_only_the_lines_shown_are_marked_read(client, alice, bob):
    for _ in range(selectors.NOTIFICATIONS_PAGE_SIZE + 2):
        feed.set_like(user=bob, post=PostFactory(author=alice), liked=True)
    client.force_login(alice)
    html = client.get("/notifications/").content.decode()
    # The two oldest lines, on the next page, are still unread: the bell counts them.
    assert "data-unread-count>2<" in html
    assert Notification.objects.filter(recipient=alice, read=False).count() == 2
    client.get("/notifications/", {"page": 2})
    assert not Notification.objects.filter(recipient=alice, read=False).exists()


def test_an_event_newer_than_its_line_stays_unread(alice, bob, post):
    feed.set_like(user=bob, post=post, liked=True)
    page = selectors.notification_page(alice)
    feed.set_like(user=UserFactory(), post=post, liked=True)  # arrives while the page renders
    assert services.mark_seen(user=alice, lines=page.object_list) == 1
    assert Notification.objects.filter(recipient=alice, read=False).count() == 1


def test_viewing_marks_only_the_viewers_own_notifications(client, alice, bob, post):
    feed.set_like(user=bob, post=post, liked=True)
    services.follow(follower=alice, followee=bob)
    client.force_login(alice)
    client.get("/notifications/")
    assert Notification.objects.get(recipient=bob).read is False


# --- Cost ------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [5, 30])
def test_the_page_costs_the_same_queries_for_5_or_30_notifications_with_bursts_and_excerpts(
    client, alice, count, django_assert_max_num_queries
):
    for index in range(count):
        actor = UserFactory()
        post = PostFactory(author=alice)
        feed.set_like(user=actor, post=post, liked=True)
        feed.set_like(user=UserFactory(), post=post, liked=True)  # a burst of two
        feed.create_comment(author=actor, post=post, text=f"Nice one #{index}")
        feed.create_comment(author=actor, post=PostFactory(author=actor), text=f"@alice {index}")
        services.follow(follower=actor, followee=alice)
    client.force_login(alice)
    client.get("/pow/challenge/")
    with django_assert_max_num_queries(14):
        html = client.get("/notifications/").content.decode()
    assert 'class="avatar-stack"' in html
    assert "“Nice one #" in html
    assert "“@alice " in html


def test_mark_all_read_from_the_mentions_tab_goes_back_to_it(client, alice, bob, post):
    every_member_kind(alice, bob, post)
    client.force_login(alice)
    html = client.get("/notifications/", {"kind": "mention"}).content.decode()
    assert 'action="/notifications/read/?kind=mention"' in html
    response = client.post("/notifications/read/?kind=mention", follow=True)
    assert response.redirect_chain[-1][0] == "/notifications/?kind=mention"
    assert not Notification.objects.filter(recipient=alice, read=False).exists()
