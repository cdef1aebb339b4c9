import re

import pytest

from .conftest import MOBILE, open_context, watch

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
    login = page.get_by_role("link", name="Log in")
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
