"""Toasts in a real browser: an error stays until it is dismissed, a success fades, and a toast
sits under the bar, covering neither the bar nor the first card's actions on a phone."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from .conftest import DESKTOP, MOBILE, log_in, open_context, shoot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def overlaps(a, b) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def feed_with_an_error_toast(browser, live_server, viewport):
    context = open_context(browser, live_server, viewport=viewport)
    log_in(context, live_server, get_user_model().objects.get(username="alice"))
    page = context.new_page()
    page.goto("/")
    page.route("**/like/", lambda route: route.fulfill(status=503, body="Unavailable"))
    page.locator("article").first.locator("[data-like]").click()
    toast = page.locator("#messages .toast.text-bg-danger")
    expect(toast).to_be_visible()
    return context, page, toast


def test_an_error_toast_stays_until_it_is_dismissed(browser, live_server, demo):
    context, page, toast = feed_with_an_error_toast(browser, live_server, DESKTOP)
    page.wait_for_timeout(8000)
    expect(toast).to_be_visible()
    toast.get_by_role("button", name="Close").click()
    expect(page.locator("#messages .toast")).to_have_count(0)
    context.close()


def test_a_success_toast_fades_by_itself(page, live_server, demo):
    log_in(page.context, live_server, get_user_model().objects.get(username="alice"))
    page.goto("/u/chloe/")
    page.locator("summary", has_text="More actions for @chloe").click()
    page.get_by_role("button", name="Mute @chloe").click()
    toast = page.locator("#messages .toast.text-bg-success")
    expect(toast).to_be_visible()
    expect(toast).to_have_count(0, timeout=10_000)
    page.health.assert_clean()


@pytest.mark.parametrize(("name", "viewport"), [("mobile", MOBILE), ("desktop", DESKTOP)])
def test_a_toast_covers_neither_the_bar_nor_the_first_cards_actions(
    browser, live_server, demo, name, viewport
):
    context, page, toast = feed_with_an_error_toast(browser, live_server, viewport)
    box = toast.bounding_box()
    assert not overlaps(box, page.locator("body > header").bounding_box())
    controls = (
        page.locator("article")
        .first.locator("footer")
        .locator("a:visible, button:visible, summary:visible")
    )
    assert controls.count() >= 3
    for control in controls.all():
        assert not overlaps(box, control.bounding_box()), control.text_content()
    shoot(page, f"toast-error-{name}")
    page.mouse.wheel(0, 600)  # the bar scrolls away: the toast rises to the top of the window
    page.wait_for_function("() => document.querySelector('body > header')"
                           ".getBoundingClientRect().bottom <= 0")  # fmt: skip
    page.wait_for_function(
        "() => document.querySelector('#messages .toast').getBoundingClientRect().top < 40"
    )
    context.close()
