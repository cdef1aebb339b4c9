"""The language and theme switchers in a real browser: an arrow key on a closed select only
browses (Chrome fires `change` on it); Enter, the button or a pointer's choice applies
(WCAG 3.2.2 On Input)."""

import pytest
from django.contrib.auth import get_user_model

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alice(demo):
    return get_user_model().objects.get(username="alice")


def test_arrow_keys_on_the_language_select_change_nothing(page, live_server, alice):
    log_in(page.context, live_server, alice)
    page.goto("/")
    select = page.get_by_label("Language")
    select.focus()
    select.press("ArrowDown")
    assert select.input_value() == "ru"  # the browser moved the choice and fired `change`
    select.press("ArrowUp")
    select.press("ArrowDown")
    page.wait_for_timeout(1000)  # a submit would have started to load the next page by now
    assert page.evaluate("() => document.documentElement.lang") == "en"
    alice.refresh_from_db()
    assert alice.language != "ru"
    page.health.assert_clean()


def test_enter_on_the_language_select_applies_the_choice(page, live_server, alice):
    log_in(page.context, live_server, alice)
    page.goto("/")
    select = page.get_by_label("Language")
    select.focus()
    select.press("ArrowDown")
    select.press("Enter")
    page.wait_for_function("() => document.documentElement.lang === 'ru'")
    alice.refresh_from_db()
    assert alice.language == "ru"
    page.health.assert_clean()


def test_arrow_keys_on_the_theme_select_change_nothing_and_its_button_applies(
    page, live_server, alice
):
    log_in(page.context, live_server, alice)
    page.goto("/")
    select = page.get_by_label("Theme")
    before = select.input_value()
    select.focus()
    select.press("ArrowDown")
    page.wait_for_timeout(1000)
    alice.profile.refresh_from_db()
    assert alice.profile.theme == before
    chosen = select.input_value()
    assert chosen != before
    select.locator("xpath=..").get_by_role("button", name="Change").click()
    page.wait_for_function("(theme) => document.documentElement.dataset.bsTheme === theme",
                           arg=chosen)  # fmt: skip
    alice.profile.refresh_from_db()
    assert alice.profile.theme == chosen


def test_a_choice_made_with_a_pointer_applies_at_once(page):
    """A press on the select opens its list; the option picked from it is the choice (the
    list itself is the browser's own widget, out of the page's reach: the press is dispatched
    and the option chosen, as a mouse or finger does)."""
    page.goto("/")
    select = page.get_by_label("Language")
    select.dispatch_event("pointerdown")
    select.select_option("ru")
    page.wait_for_function("() => document.documentElement.lang === 'ru'")
    page.health.assert_clean()
