"""The signup's proof-of-work check in a real browser: the vendored ALTCHA widget fetches a
challenge, solves it at the production difficulty under the site's CSP, and the account is
created; its time on this machine is printed (README: "Running a public site")."""

import statistics

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.factories import PASSWORD

from .conftest import assert_accessible, open_context, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Before the page's own scripts: note when the widget starts and finishes (its statechange
# events do not bubble, a capturing listener on the document still hears them), and every
# CSP violation.
WATCH_WIDGET = """
window.powTimes = {};
window.cspViolations = [];
document.addEventListener("statechange", (event) => {
  window.powTimes[event.detail.state] ??= performance.now();
}, true);
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def solve_on_signup_page(page) -> float:
    """Open the signup page, wait for the widget to finish; the milliseconds it took from
    starting (fetching the challenge) to done."""
    page.goto("/accounts/signup/")
    page.get_by_role("status").filter(has_text="Checked: you can send").wait_for(timeout=30_000)
    times = page.evaluate("() => window.powTimes")
    return times["verified"] - times["verifying"]


@pytest.fixture
def production_difficulty(settings):
    settings.POW_MAX_NUMBER = settings.POW_MAX_NUMBER_PRODUCTION
    return settings.POW_MAX_NUMBER


def test_the_widget_solves_the_check_and_the_signup_goes_through(
    browser, live_server, production_difficulty
):
    context = open_context(browser, live_server)
    context.add_init_script(WATCH_WIDGET)
    page = context.new_page()
    health = watch(page, live_server)
    took = [solve_on_signup_page(page) for _ in range(5)]
    print(
        f"\nproof of work at POW_MAX_NUMBER={production_difficulty}: "
        f"median {statistics.median(took):.0f} ms, runs {[round(ms) for ms in took]}"
    )

    page.get_by_label("Email").fill("nadia@example.com")
    page.get_by_label("Username").fill("nadia")
    page.get_by_label("Password", exact=False).first.fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_role("heading", name="Verify Your Email Address").wait_for()
    assert get_user_model().objects.filter(username="nadia").exists()
    assert page.evaluate("() => window.cspViolations") == []
    health.assert_clean()
    context.close()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_widget_is_labelled_keyboard_operable_and_accessible(browser, live_server, language):
    context = open_context(browser, live_server, locale=language)
    context.add_init_script(WATCH_WIDGET)
    page = context.new_page()
    health = watch(page, live_server)
    page.goto("/accounts/signup/")
    done = {"en": "Checked: you can send the form", "ru": "Проверено: форму можно отправлять"}
    page.get_by_role("status").filter(has_text=done[language]).wait_for(timeout=30_000)
    assert page.get_by_role("checkbox", name=done[language]).is_checked()
    # The honeypot is out of reach: the keyboard goes from the last password to the check.
    page.get_by_label("Password (again)" if language == "en" else "Пароль (ещё раз)").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.type") == "checkbox"
    assert_accessible(page)
    assert page.evaluate("() => window.cspViolations") == []
    health.assert_clean()
    context.close()


def test_a_browser_without_javascript_is_told_why_it_cannot_sign_up(browser, live_server):
    context = open_context(browser, live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto("/accounts/signup/")
    expect(page.locator("#div_id_altcha .alert")).to_contain_text("This form needs JavaScript")
    expect(page.locator("#div_id_altcha .alert")).to_be_visible()
    context.close()
