import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from apps.feed.models import Post
from tests.factories import UserFactory

from .conftest import MOBILE, log_in, open_context, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_page_loads_cleanly_with_its_csp(page, live_server):
    response = page.goto("/")
    assert response.status == 200
    assert "'nonce-" in response.headers["content-security-policy"]
    page.get_by_role("link", name="ETERNITY").wait_for()
    # htmx loaded from our own static files and configured.
    assert page.evaluate("() => typeof htmx === 'object' && htmx.config.allowEval === false")
    assert page.evaluate("() => document.querySelectorAll('style').length") == 0
    page.health.assert_clean()


def test_navbar_collapses_on_a_phone_and_opens_from_the_toggler(browser, live_server):
    context = open_context(browser, live_server, viewport=MOBILE)
    page = context.new_page()
    health = watch(page, live_server)
    page.goto("/")
    login = page.locator("#navbar-menu").get_by_role("link", name="Log in")
    assert not login.is_visible()
    page.get_by_role("button", name="Toggle navigation").click()
    login.wait_for(state="visible")
    health.assert_clean()
    context.close()


def test_skip_link_moves_focus_to_the_main_content(page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert re.search(r"#main$", page.url)


PHONE_SMALL = {"width": 320, "height": 640}


def test_nothing_overflows_sideways_on_a_320_pixel_phone(browser, live_server, demo):
    alice = get_user_model().objects.get(username="alice")
    post = Post.objects.filter(image__gt="").first()
    context = open_context(browser, live_server, viewport=PHONE_SMALL)
    log_in(context, live_server, alice)
    page = context.new_page()
    for path in ("/", post.get_absolute_url(), "/u/alice/", "/u/chloe/", "/posts/new/",
                 "/settings/profile/", "/settings/account/", "/tags/photography/"):  # fmt: skip
        page.goto(path)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE_SMALL["width"], f"{path} is {width}px wide"
    context.close()


def test_save_is_in_reach_on_a_phone_while_editing(browser, live_server, demo):
    context = open_context(browser, live_server, viewport=MOBILE)
    log_in(context, live_server, get_user_model().objects.get(username="alice"))
    page = context.new_page()
    for path, opener in (("/u/alice/", "Edit details"), ("/posts/new/", None)):
        page.goto(path)
        if opener:
            page.get_by_role("link", name=opener).click()
            page.get_by_label("First name").wait_for()
        save = page.locator("form .form-actions button[type=submit]").first
        box = save.bounding_box()
        assert box is not None
        assert box["y"] >= 0, (path, box)
        assert box["y"] + box["height"] <= MOBILE["height"], (path, box)  # no scrolling needed
    context.close()


def test_without_javascript_the_phone_menu_is_open(browser, live_server):
    """The bar's menu folds with Bootstrap's script; without it, it stays open, so search,
    the profile links and Log out are reachable on a phone."""
    context = open_context(browser, live_server, viewport=MOBILE, java_script_enabled=False)
    log_in(context, live_server, UserFactory(username="nojs"))
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_label("Search people and posts")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.get_by_label("Search people and posts").fill("nothing here")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#search-status")).to_contain_text("Nothing found")
    context.close()
