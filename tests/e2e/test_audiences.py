"""In real browsers: boris limits who sees him online to mutuals from his profile's inline
form; alice, who follows him but is not followed back, sees him go offline with her next poll,
while chloe, a mutual, still sees him online."""

import pytest
from playwright.sync_api import expect

from apps.profiles.models import Profile
from apps.social import services as social
from tests.factories import UserFactory

from .conftest import log_in, open_context, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_boris_shows_his_status_to_mutuals_only_and_alice_sees_him_offline_chloe_online(
    browser, live_server, settings
):
    settings.PRESENCE_POLL_INTERVAL = 1
    boris = UserFactory(username="boris", first_name="Boris", last_name="Pasternak")
    alice = UserFactory(username="alice", first_name="Alice")
    chloe = UserFactory(username="chloe", first_name="Chloe")
    social.follow(follower=alice, followee=boris)
    social.follow(follower=chloe, followee=boris)
    social.follow(follower=boris, followee=chloe)

    pages = {}
    for user in (boris, alice, chloe):
        context = open_context(browser, live_server)
        log_in(context, live_server, user)
        pages[user.username] = context.new_page()
    owner = pages["boris"]
    health = watch(owner, live_server)
    owner.goto("/u/boris/")
    for viewer in ("alice", "chloe"):
        pages[viewer].goto("/u/boris/")
        expect(pages[viewer].locator("[data-presence='boris']")).to_have_text("● Online")

    owner.get_by_role("link", name="Edit details").click()
    choices = owner.get_by_role("group", name="Who sees when you are online")
    expect(choices.get_by_role("radio", name="Everyone")).to_be_checked()
    expect(choices).to_contain_text("Only members you follow who also follow you see it")
    choices.get_by_role("radio", name="People I follow who follow me").check()
    owner.get_by_role("button", name="Save").click()
    expect(owner.locator("#section-details")).to_contain_text(
        "Who sees when you are online: People I follow who follow me."
    )
    assert Profile.objects.get(user=boris).presence_audience == "mutuals"

    # Within a poll or two (one a second here), without reloading.
    expect(pages["alice"].locator("[data-presence='boris']")).to_have_text("○ Offline")
    pages["chloe"].wait_for_timeout(2500)
    expect(pages["chloe"].locator("[data-presence='boris']")).to_have_text("● Online")
    health.assert_clean()
