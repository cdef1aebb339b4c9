"""The "⋯" menus on cards and profiles in a real browser: padded items, one menu open at a time
(the member menu included), Escape closes and returns focus to the menu's button, a click
outside closes."""

import pytest
from django.contrib.auth import get_user_model

from .conftest import assert_accessible, focused, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OPEN = "details.post-menu[open]"


@pytest.fixture
def feed(page, live_server, demo):
    log_in(page.context, live_server, get_user_model().objects.get(username="alice"))
    page.goto("/")
    return page


def menu_buttons(page):
    return page.locator("details.post-menu > summary")


def test_menu_items_are_padded_and_show_hover(feed):
    menu_buttons(feed).first.click()
    item = feed.locator(f"{OPEN} .dropdown-item").first
    padding = item.evaluate(
        "(el) => { const s = getComputedStyle(el);"
        " return [s.paddingTop, s.paddingRight, s.paddingBottom, s.paddingLeft].map(parseFloat); }"
    )
    top, right, bottom, left = padding
    assert min(top, bottom) >= 4
    assert min(left, right) >= 12
    assert item.bounding_box()["height"] >= 24
    before = item.evaluate("(el) => getComputedStyle(el).backgroundColor")
    item.hover()
    assert item.evaluate("(el) => getComputedStyle(el).backgroundColor") != before
    assert_accessible(feed)
    feed.health.assert_clean()


def test_opening_a_second_menu_closes_the_first(feed):
    buttons = menu_buttons(feed)
    assert buttons.count() >= 2
    buttons.nth(0).click()
    assert feed.locator(OPEN).count() == 1
    buttons.nth(1).click()
    assert feed.locator(OPEN).count() == 1
    assert buttons.nth(1).evaluate("(el) => el.parentElement.open")
    assert not buttons.nth(0).evaluate("(el) => el.parentElement.open")
    feed.health.assert_clean()


def test_escape_closes_the_menu_and_returns_focus_to_its_button(feed):
    button = menu_buttons(feed).first
    name = button.evaluate("(el) => el.textContent.replace(/\\s+/g, ' ').trim()")
    button.focus()
    feed.keyboard.press("Enter")
    assert feed.locator(OPEN).count() == 1
    feed.keyboard.press("Tab")  # into the menu, on its first item
    assert feed.evaluate("() => !!document.activeElement.closest('details.post-menu[open]')")
    feed.keyboard.press("Escape")
    assert feed.locator(OPEN).count() == 0
    assert focused(feed) == name
    feed.health.assert_clean()


def test_a_click_outside_closes_the_menu(feed):
    menu_buttons(feed).first.click()
    assert feed.locator(OPEN).count() == 1
    feed.locator("main h1, main h2").first.click()
    assert feed.locator(OPEN).count() == 0
    feed.health.assert_clean()


def test_the_member_menu_and_a_card_menu_are_never_open_together(feed):
    member_menu = feed.locator(".site-bar [data-bs-toggle=dropdown]")
    member_menu.click()
    assert feed.locator(".site-bar .dropdown-menu.show").count() == 1
    menu_buttons(feed).first.click()
    assert feed.locator(".site-bar .dropdown-menu.show").count() == 0
    assert feed.locator(OPEN).count() == 1
    member_menu.click()
    assert feed.locator(".site-bar .dropdown-menu.show").count() == 1
    assert feed.locator(OPEN).count() == 0
    feed.health.assert_clean()


def test_escape_closes_the_member_menu_and_returns_focus_to_its_button(feed):
    member_menu = feed.locator(".site-bar [data-bs-toggle=dropdown]")
    member_menu.focus()
    feed.keyboard.press("Enter")
    feed.locator(".site-bar .dropdown-menu.show").wait_for()
    feed.keyboard.press("ArrowDown")  # onto the first item
    feed.keyboard.press("Escape")
    assert feed.locator(".site-bar .dropdown-menu.show").count() == 0
    assert member_menu.evaluate("(el) => el === document.activeElement")
    feed.health.assert_clean()
