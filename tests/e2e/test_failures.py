"""When a request fails, the page says so, keeps what was typed, and recovers: the server
unreachable or erroring (Playwright's routing stands in for it), presence polls failing."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PostFactory, UserFactory

from .conftest import log_in, shoot

pytestmark = pytest.mark.e2e


def refresh_presence(page) -> None:
    page.evaluate("() => htmx.trigger('#presence-poller', 'presence:refresh')")


def test_a_like_that_cannot_reach_the_server_says_so_and_recovers(page, live_server, context):
    log_in(context, live_server, UserFactory(username="lee"))
    post = PostFactory(title="Rain again")
    page.goto("/")
    like = page.locator(f"[data-like='{post.pk}']")
    page.route("**/like/", lambda route: route.abort("internetdisconnected"))
    like.click()
    expect(page.get_by_role("alert")).to_contain_text("could not be reached")
    expect(page.locator("#offline-banner")).to_be_visible()
    expect(like).to_have_attribute("aria-pressed", "false")  # nothing was swapped away
    expect(like).to_be_enabled()
    shoot(page, "failure-offline-desktop")
    page.unroute("**/like/")
    like.click()
    expect(page.locator(f"[data-like='{post.pk}']")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#offline-banner")).to_be_hidden()


def test_a_save_the_server_fails_keeps_what_was_typed(page, live_server, context):
    log_in(context, live_server, UserFactory(username="sam", first_name="Sam"))
    page.goto("/u/sam/")
    page.get_by_role("link", name="Edit details").click()
    page.get_by_label("First name").fill("Samantha")

    def fail(route):
        if route.request.method == "POST":
            route.fulfill(status=500, body="<h1>Server Error</h1>")
        else:
            route.continue_()

    page.route("**/settings/profile/details/", fail)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("the server had a problem (500)")
    expect(page.get_by_label("First name")).to_have_value("Samantha")
    expect(page.get_by_role("button", name="Save")).to_be_enabled()
    shoot(page, "failure-server-error-desktop")
    page.unroute("**/settings/profile/details/")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#profile-name")).to_contain_text("Samantha")


def test_badges_say_the_status_is_unknown_while_polls_fail(page, live_server, context):
    log_in(context, live_server, UserFactory(username="pat"))
    author = UserFactory(username="olga")
    PostFactory(author=author)
    page.goto("/")
    badge = page.locator("[data-presence='olga']").first
    expect(badge).to_contain_text(re.compile("Offline|Last seen|Online"))
    page.route("**/presence/**", lambda route: route.fulfill(status=503, body="down"))
    refresh_presence(page)
    page.wait_for_timeout(300)
    expect(badge).not_to_contain_text("Status unknown")  # one failed poll is not enough
    refresh_presence(page)
    expect(badge).to_have_text("Status unknown")
    expect(page.get_by_role("alert")).to_have_count(0)  # the page's own polls never toast
    page.unroute("**/presence/**")
    refresh_presence(page)
    expect(badge).to_contain_text(re.compile("Offline|Last seen|Online"))


def test_like_by_keyboard_keeps_focus_and_comments_toggle(page, live_server, context):
    log_in(context, live_server, UserFactory(username="kit"))
    post = PostFactory(title="Quiet morning")
    page.goto("/")
    like = page.locator(f"[data-like='{post.pk}']")
    like.focus()
    page.keyboard.press("Enter")
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_be_focused()  # the new button, where the person was
    toggle = page.locator(f"[aria-controls='thread-slot-{post.pk}']")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(page.locator(f"#thread-slot-{post.pk}")).to_contain_text("No comments yet.")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.click()
    expect(page.locator(f"#thread-slot-{post.pk}")).to_be_empty()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    page.health.assert_clean()
