"""A full-page form sent back with errors: a summary at the top takes the focus and links to
each field; the password rules are said once."""

import pytest
from playwright.sync_api import expect

from .conftest import MOBILE, assert_accessible, open_context, shoot, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RULES = "At least 8 characters; not only digits"


def test_a_bad_password_at_signup_focuses_the_summary_which_links_to_the_field(page):
    page.goto("/accounts/signup/")
    page.get_by_role("status").filter(has_text="Checked: you can send").wait_for(timeout=30_000)
    page.get_by_label("Email").fill("nadia@example.com")
    page.get_by_label("Username").fill("nadia")
    page.get_by_label("Password", exact=False).first.fill("1234")
    page.get_by_label("Password (again)").fill("1234")
    page.get_by_role("button", name="Sign Up").click()

    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    page.wait_for_function("() => document.activeElement.matches('[data-error-summary]')")
    links = summary.get_by_role("link")
    assert links.count() == 3  # too short, too common, only digits
    assert {link.get_attribute("href") for link in links.all()} == {"#id_password1"}
    expect(links.first).to_contain_text("Password: This password is too short.")
    expect(page.get_by_text(RULES)).to_have_count(1)
    expect(page.get_by_text("can’t be a commonly used password")).to_have_count(0)
    assert_accessible(page)
    shoot(page, "form-error-summary")

    links.first.click()
    page.wait_for_function("() => document.activeElement.id === 'id_password1'")
    page.health.assert_clean()


def test_a_wrong_password_on_the_deletion_page_is_summarised_on_a_phone(browser, live_server):
    from tests.factories import UserFactory

    from .conftest import log_in

    context = open_context(browser, live_server, viewport=MOBILE)
    log_in(context, live_server, UserFactory(username="alice"))
    page = context.new_page()
    health = watch(page, live_server)
    page.goto("/settings/account/delete/")
    page.get_by_label("Your password").fill("not-it")
    page.get_by_role("button", name="Delete my account").click()
    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    page.wait_for_function("() => document.activeElement.matches('[data-error-summary]')")
    expect(
        summary.get_by_role("link", name="Your password: That is not your password.")
    ).to_be_visible()
    expect(summary.get_by_role("link", name="This field is required.")).to_be_visible()  # the box
    assert page.evaluate("() => document.documentElement.scrollWidth") <= MOBILE["width"]
    assert_accessible(page)
    health.assert_clean()
    context.close()
