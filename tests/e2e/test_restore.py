"""Back from a post brings the feed back as it was left: the same cards loaded, the same card at
the same place on the screen (measured: the drift is printed), the same threads open. Both ways
the browser may take: its back/forward cache (which Playwright switches off unless asked), and
a page loaded anew and rebuilt from history.state."""

import pytest
from playwright.sync_api import expect

from tests.factories import PostFactory, UserFactory

from .conftest import CHROMIUM, CHROMIUM_ARGS, log_in, open_context, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cached_browser(browser):
    """Chromium with its back/forward cache on (Playwright launches it with the cache off)."""
    cached = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        ignore_default_args=["--disable-back-forward-cache"],
    )
    yield cached
    cached.close()


def _a_long_feed():
    reader = UserFactory(username="reader")
    PostFactory.create_batch(30)
    return reader


def _read_deep_into_the_feed(page):
    """Load more until 23+ cards, scroll to the 22nd, open its thread; where is it?"""
    page.goto("/?tab=everyone")
    cards = page.locator("#posts > article")
    while cards.count() < 23:
        count = cards.count()
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_function(
            "(n) => document.querySelectorAll('#posts > article').length > n", arg=count
        )
    card = cards.nth(21)
    card_id = card.get_attribute("id")
    toggle = card.locator("[data-thread-toggle]")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(card.locator("[id^=thread-slot-] > *").first).to_be_visible()
    page.evaluate("(id) => document.getElementById(id).scrollIntoView()", card_id)
    page.evaluate("() => window.scrollBy(0, -120)")
    page.wait_for_timeout(400)  # the place is kept at most 300 ms after a scroll
    top = page.evaluate("(id) => document.getElementById(id).getBoundingClientRect().top", card_id)
    loaded = cards.count()
    return card_id, top, loaded


def _back_from_a_post(page, card_id):
    page.locator(f"#{card_id} h2 a").click()
    page.wait_for_url("**/posts/**")
    page.go_back(wait_until="commit")  # a page from the back/forward cache fires no "load"
    page.wait_for_url("**/?tab=everyone", wait_until="commit")


def _assert_as_left(page, card_id, top, loaded, way):
    card = page.locator(f"#{card_id}")
    toggle = card.locator("[data-thread-toggle]")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(card.locator("[id^=thread-slot-] > *").first).to_be_visible()
    page.wait_for_function(
        "([id, top]) => Math.abs(document.getElementById(id).getBoundingClientRect().top - top)"
        " <= 50",
        arg=[card_id, top],
    )
    now = page.evaluate("(id) => document.getElementById(id).getBoundingClientRect().top", card_id)
    count = page.locator("#posts > article").count()
    print(f"\n[{way}] scroll drift of {card_id}: {abs(now - top):.0f} px; cards {loaded} → {count}")
    assert abs(now - top) <= 50
    assert count >= loaded


def test_back_from_a_post_restores_the_feed_from_the_back_forward_cache(
    cached_browser, live_server
):
    reader = _a_long_feed()
    context = open_context(cached_browser, live_server)
    log_in(context, live_server, reader)
    page = context.new_page()
    health = watch(page, live_server)
    card_id, top, loaded = _read_deep_into_the_feed(page)
    page.evaluate(
        "() => addEventListener('pageshow', (e) => { window.restoredFromCache = e.persisted })"
    )
    _back_from_a_post(page, card_id)
    assert page.evaluate("() => window.restoredFromCache") is True
    reasons = page.evaluate(
        "() => JSON.stringify(performance.getEntriesByType('navigation')[0].notRestoredReasons)"
    )
    assert "no-store" not in (reasons or "")
    _assert_as_left(page, card_id, top, loaded, "back/forward cache")
    expect(page.locator("html.checking-member")).to_have_count(0)
    health.assert_clean()
    context.close()


def test_back_from_a_post_rebuilds_the_feed_when_the_page_was_not_kept(page, context, live_server):
    """Playwright's own browser has the back/forward cache off: the page is loaded again."""
    reader = _a_long_feed()
    log_in(context, live_server, reader)
    card_id, top, loaded = _read_deep_into_the_feed(page)
    page.evaluate("() => { window.oldPage = true }")
    _back_from_a_post(page, card_id)
    assert page.evaluate("() => window.oldPage") is None  # a new page, not the kept one
    _assert_as_left(page, card_id, top, loaded, "rebuilt from history.state")
    page.health.assert_clean()


def test_back_after_logging_out_never_shows_the_members_page(cached_browser, live_server):
    reader = _a_long_feed()
    context = open_context(cached_browser, live_server)
    log_in(context, live_server, reader)
    page = context.new_page()
    page.goto("/?tab=everyone")
    expect(page.locator("body")).to_have_attribute("data-member", "reader")
    with page.expect_navigation():
        page.evaluate("() => document.querySelector('form[action$=\"/logout/\"]').submit()")
    expect(page.locator("body")).to_have_attribute("data-member", "")
    page.go_back(wait_until="commit")
    expect(page.locator("body")).to_have_attribute("data-member", "")
    expect(page.locator("html.checking-member")).to_have_count(0)
    context.close()
