"""Who may sign up, in a real browser: a member's invitation link taken to the signup page,
and an application waiting for a moderator. Every page passes axe-core."""

import pytest
from django.contrib.auth import get_user_model

from tests.accounts.modes import set_mode
from tests.factories import PASSWORD

from .conftest import assert_accessible, log_in, open_context, shoot, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
User = get_user_model()


def fill_signup(page, username: str) -> None:
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=False).first.fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)


def test_a_member_invites_someone_who_signs_up_with_the_link(browser, live_server, demo, settings):
    settings.SITE_URL = live_server.url
    set_mode("invitation")
    member = open_context(browser, live_server)
    log_in(member, live_server, User.objects.get(username="alice"))
    page = member.new_page()
    health = watch(page, live_server)
    page.goto("/settings/account/")
    page.get_by_role("link", name="Invitations").click()
    page.get_by_label("Number of signups").fill("2")
    page.get_by_role("button", name="Make a link").click()
    page.get_by_text("Your new invitation link is at the top of the list.").wait_for()
    assert_accessible(page)
    shoot(page, "invitations")
    link = page.get_by_label("Link to send").first.input_value()
    health.assert_clean()

    guest = open_context(browser, live_server).new_page()
    guest.goto("/accounts/signup/")
    guest.get_by_role("heading", name="Invitation only").wait_for()
    assert link.startswith(f"{live_server.url}/invite/")  # the site's address, SITE_URL
    guest.goto(link)
    guest.get_by_text("You were invited by @alice").wait_for()
    assert_accessible(guest)
    fill_signup(guest, "nadia")
    guest.get_by_role("button", name="Sign Up").click()
    guest.get_by_role("heading", name="Verify Your Email Address").wait_for()
    assert User.objects.get(username="nadia").invitation.created_by.username == "alice"
    page.reload()
    assert "1 of 2 signups left" in page.content()


def test_an_applicant_waits_and_a_moderator_accepts_them(browser, live_server, demo):
    set_mode("approval", question="Which trains do you like?")
    guest = open_context(browser, live_server).new_page()
    health = watch(guest, live_server)
    guest.goto("/accounts/signup/")
    guest.get_by_text("Moderators accept each new account.").wait_for()
    assert_accessible(guest)
    fill_signup(guest, "nadia")
    guest.get_by_label("Which trains do you like?").fill("Night trains across Europe.")
    guest.get_by_role("button", name="Sign Up").click()
    guest.get_by_role("heading", name="Your application is waiting").wait_for()
    assert_accessible(guest)
    health.assert_clean()

    moderator = open_context(browser, live_server)
    log_in(moderator, live_server, User.objects.get(username="chloe"))
    page = moderator.new_page()
    page.goto("/moderation/")
    page.get_by_role("link", name="Applications").click()
    page.get_by_text("Night trains across Europe.").wait_for()
    assert_accessible(page)
    shoot(page, "moderation-applications")
    page.get_by_role("button", name="Accept").click()
    page.get_by_text("@nadia is accepted and can sign in").wait_for()
    assert User.objects.get(username="nadia").is_active
