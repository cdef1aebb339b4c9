"""An edit conflict keeps both versions: what the member typed stays in the form, what was
saved elsewhere meanwhile is shown beside it, and a second Save puts theirs over it."""

import pytest
from playwright.sync_api import expect

from apps.profiles.models import Profile
from tests.factories import UserFactory

from .conftest import assert_accessible, log_in, shoot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_conflict_keeps_the_typed_text_and_a_second_save_wins(page, context, live_server):
    alice = UserFactory(username="alice", first_name="Alice", last_name="Liddell")
    log_in(context, live_server, alice)
    page.goto("/u/alice/")
    page.get_by_role("link", name="Edit details").click()
    bio = page.get_by_label("About you")
    expect(bio).to_be_visible()

    # Meanwhile, another tab saves the same section.
    Profile.objects.filter(user=alice).update(bio="Written in the other tab")

    bio.fill("Typed here, not to be lost")
    page.get_by_role("button", name="Save").click()
    conflict = page.locator("[data-conflict]")
    expect(conflict).to_contain_text("Saved elsewhere meanwhile:")
    expect(conflict).to_contain_text("Written in the other tab")
    expect(page.get_by_label("About you")).to_have_value("Typed here, not to be lost")
    assert Profile.objects.get(user=alice).bio == "Written in the other tab"
    expect(conflict).not_to_contain_text("First name")  # only what differs
    conflict.scroll_into_view_if_needed()
    shoot(page, "edit-conflict")
    assert_accessible(page)

    page.get_by_role("button", name="Save").click()
    page.get_by_text("Details saved.").wait_for()
    expect(page.locator("#section-details")).to_contain_text("Typed here, not to be lost")
    assert Profile.objects.get(user=alice).bio == "Typed here, not to be lost"
    page.health.assert_clean()


def test_use_the_saved_version_opens_the_form_with_theirs(page, context, live_server):
    alice = UserFactory(username="alice", first_name="Alice", last_name="Liddell")
    log_in(context, live_server, alice)
    page.goto("/u/alice/")
    page.get_by_role("link", name="Edit details").click()
    # The form must be on the page (its section token read) before the other tab saves: a
    # save before it arrives is simply what the form opens with, and there is no conflict.
    expect(page.get_by_label("About you")).to_be_visible()
    Profile.objects.filter(user=alice).update(bio="Theirs")
    page.get_by_label("About you").fill("Mine")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Use the saved version").click()
    expect(page.locator("[data-conflict]")).to_have_count(0)
    expect(page.get_by_label("About you")).to_have_value("Theirs")
    page.health.assert_clean()
