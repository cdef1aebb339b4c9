"""Inline profile editing in a real browser: swaps, focus, Escape, errors, photo upload."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from apps.profiles.models import Profile
from tests.factories import UserFactory

from .conftest import log_in, wait_for_focus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alice(context, live_server):
    user = UserFactory(username="alice", first_name="Alice", last_name="Liddell")
    log_in(context, live_server, user)
    return user


def test_edit_save_and_see_the_change_everywhere_without_a_reload(page, alice):
    page.goto("/u/alice/")
    page.evaluate("() => { window.notReloaded = true; }")
    page.get_by_role("link", name="Edit details").click()
    first_name = page.get_by_label("First name")
    wait_for_focus(page, "details-first_name")

    first_name.fill("Alicia")
    page.get_by_label("About you").fill("Tea <b>and</b> books")
    page.get_by_role("button", name="Save").click()

    page.get_by_text("Details saved.").wait_for()
    section = page.locator("#section-details")
    assert "Tea <b>and</b> books" in section.inner_text()
    assert page.locator("#profile-name").inner_text() == "Alicia Liddell"
    assert "Alicia Liddell" in page.locator("#navbar-identity").inner_text()
    wait_for_focus(page, "Edit details")
    assert page.evaluate("() => window.notReloaded") is True
    page.health.assert_clean()


def test_validation_error_appears_inline_and_keeps_the_typed_text(page, alice):
    page.goto("/u/alice/")
    page.get_by_text("Username and email").click()  # folded on the owner's profile
    page.get_by_role("link", name="Edit username").click()
    field = page.locator("#id_username-username")
    field.fill("has spaces")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Use 3 to 30 characters").wait_for()
    assert field.input_value() == "has spaces"
    wait_for_focus(page, "username-username")
    page.health.assert_clean()


def test_escape_and_cancel_restore_the_section_unchanged(page, alice):
    page.goto("/u/alice/")
    page.get_by_role("link", name="Edit details").click()
    wait_for_focus(page, "details-first_name")
    page.get_by_label("First name").fill("Nobody")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.keyboard.press("Escape")  # over a change, Cancel asks first (static/js/drafts.js)
    wait_for_focus(page, "Edit details")
    assert asked == ["Discard the changes you made in this form?"]

    page.get_by_role("link", name="Edit details").click()
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("link", name="Edit details").wait_for()
    page.reload()
    assert page.locator("#profile-name").inner_text() == "Alice Liddell"
    page.health.assert_clean()


def test_photo_upload_shows_progress_and_the_new_avatar(page, alice, tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (900, 700), (20, 120, 200)).save(buffer, "JPEG")
    photo = tmp_path / "me.jpg"
    photo.write_bytes(buffer.getvalue())

    page.goto("/u/alice/")
    page.get_by_role("link", name="Change photo").click()
    wait_for_focus(page, "photo-photo")
    page.get_by_label("New photo").set_input_files(str(photo))
    expect(page.locator("[data-photo-preview]")).to_be_visible()
    progress_seen = page.evaluate(
        """() => new Promise(resolve => {
            document.addEventListener('htmx:xhr:progress', () => resolve(true), {once: true});
            document.querySelector('#section-photo button[type=submit]').click();
        })"""
    )
    assert progress_seen
    page.get_by_text("Photo saved.").wait_for()
    profile = Profile.objects.get(user=alice)
    assert re.search(r"avatars/\w+\.jpg", page.locator("#section-photo img").get_attribute("src"))
    navbar_src = page.locator("#navbar-identity img").get_attribute("src")
    assert navbar_src.endswith(profile.photo_thumbnail.name.split("/")[-1])
    page.health.assert_clean()


def test_without_javascript_edit_links_lead_to_the_sections_page(browser, live_server):
    from .conftest import open_context

    context = open_context(browser, live_server, java_script_enabled=False)
    log_in(context, live_server, UserFactory(username="nojs", first_name="No"))
    page = context.new_page()
    page.goto("/u/nojs/")
    page.get_by_role("link", name="Edit details").click()
    assert page.url.endswith("/settings/profile/details/")
    page.get_by_label("First name").fill("Plain")
    page.get_by_role("button", name="Save").click()
    assert page.url.endswith("/u/nojs/")
    assert page.locator("#profile-name").inner_text().startswith("Plain")
    assert page.get_by_text("Details saved.").is_visible()
    context.close()


def test_the_settings_page_saves_one_section_and_comes_back(page, alice):
    page.goto("/settings/profile/")
    page.get_by_label("First name").fill("Alicia")
    page.keyboard.press("Escape")  # not an inline form: Escape does not leave the page
    page.locator("#section-details").get_by_role("button", name="Save").click()
    page.get_by_text("Details saved.").wait_for()
    assert page.url.endswith("/settings/profile/")
    expect(page.get_by_label("First name")).to_have_value("Alicia")
    assert "Alicia Liddell" in page.locator("#navbar-identity").inner_text()
    page.health.assert_clean()
