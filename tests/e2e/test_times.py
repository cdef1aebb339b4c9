"""Times in real browsers: the server writes each moment (and its date, for pages without
JavaScript); static/js/times.js says how long ago it was, in the page's language and the
reader's time zone, again as the minutes pass and in whatever htmx swaps in."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.profiles.models import Profile
from tests.factories import PostFactory, UserFactory

from .conftest import open_context, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OLD = datetime(2024, 1, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def alice(db):
    """Alice, last seen five minutes ago, with posts from two minutes, three hours and two
    years ago."""
    now = timezone.now()
    alice = UserFactory(username="alice", first_name="Alice", last_name="Liddell")
    Profile.objects.filter(user=alice).update(is_online=False, last_seen=now - timedelta(minutes=5))
    for title, created in [("Fresh", now - timedelta(minutes=2)),
                           ("Morning", now - timedelta(hours=3)), ("Old", OLD)]:  # fmt: skip
        PostFactory(author=alice, title=title, created=created)
    return alice


def posted(page, title: str):
    """The time of the post card with this title."""
    return page.locator("article", has=page.get_by_role("link", name=title, exact=True)).locator(
        ".post-meta time"
    )


@pytest.mark.parametrize(
    ("locale", "zone", "last_seen", "minutes", "hours", "date", "exact"),
    [
        ("en-US", "UTC", "○ Last seen 5 minutes ago", "2 minutes ago", "3 hours ago",
         "January 5, 2024", "January 5, 2024 at 12:00 PM"),
        ("ru-RU", "Europe/Moscow", "○ Был(а) в сети 5 минут назад", "2 минуты назад",
         "3 часа назад", "5 января 2024 г.", "5 января 2024 г. в 15:00"),
    ],
    ids=["English", "Russian"],
)  # fmt: skip
def test_times_read_as_how_long_ago_in_the_pages_language(
    browser, live_server, alice, locale, zone, last_seen, minutes, hours, date, exact
):
    context = open_context(browser, live_server, locale=locale, timezone_id=zone)
    page = context.new_page()
    health = watch(page, live_server)
    page.goto("/")
    expect(page.locator("[data-presence='alice']").first).to_have_text(last_seen)
    expect(posted(page, "Fresh")).to_have_text(minutes)
    expect(posted(page, "Morning")).to_have_text(hours)
    old = posted(page, "Old")
    expect(old).to_have_text(date)  # after a week, the date
    expect(old).to_have_attribute("title", exact)  # the moment on hover, in the reader's zone
    expect(old).to_have_attribute("datetime", "2024-01-05T12:00:00+00:00")
    health.assert_clean()
    context.close()


def test_times_move_on_with_the_minutes(browser, live_server, alice):
    context = open_context(browser, live_server)
    page = context.new_page()
    page.clock.install(time=datetime.now(UTC))
    page.goto("/")
    badge = page.locator("[data-presence='alice']").first
    expect(badge).to_have_text("○ Last seen 5 minutes ago")
    page.clock.fast_forward("02:00")
    expect(badge).to_have_text("○ Last seen 7 minutes ago")
    expect(posted(page, "Fresh")).to_have_text("4 minutes ago")
    context.close()


@pytest.mark.usefixtures("fast_polls")
def test_the_polls_badges_read_how_long_ago_and_only_a_new_status_is_announced(page, alice):
    badge = page.locator("[data-presence='alice']").first
    announcer = page.locator("#presence-announcer")
    page.goto("/")
    expect(badge).to_have_text("○ Last seen 5 minutes ago")
    for _ in range(2):  # each poll swaps the badges in again, written as the date
        with page.expect_response(re.compile(r"/presence/")):
            pass
    expect(badge).to_have_text("○ Last seen 5 minutes ago")
    expect(announcer).to_have_text("")

    Profile.objects.filter(user=alice).update(is_online=True, last_seen=timezone.now())
    expect(badge).to_have_text("● Online")
    expect(announcer).to_have_text("alice: Online")
    Profile.objects.filter(user=alice).update(
        is_online=False, last_seen=timezone.now() - timedelta(minutes=2)
    )
    expect(badge).to_have_text("○ Last seen 2 minutes ago")
    expect(announcer).to_have_text("alice: Last seen 2 minutes ago")
    page.health.assert_clean()


def test_cards_loaded_on_scrolling_read_how_long_ago(page):
    now = timezone.now()
    author = UserFactory()
    for n in range(12):
        PostFactory(author=author, title=f"Post {n}", created=now - timedelta(minutes=10 + n))
    page.goto("/")
    expect(posted(page, "Post 0")).to_have_text("10 minutes ago")
    page.mouse.wheel(0, 20000)
    expect(posted(page, "Post 11")).to_have_text("21 minutes ago")
    page.health.assert_clean()
