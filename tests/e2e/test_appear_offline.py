"""Appearing offline in real browsers: boris chooses it in his avatar menu, chloe (who follows
him) sees him go from Online to Last seen within a poll, and back when he turns it off."""

import re

import pytest
from playwright.sync_api import expect

from apps.social import services as social
from tests.factories import UserFactory

from .conftest import assert_accessible, log_in, open_context, watch

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_polls"),
]
WAIT = 8000  # polls every second; a loaded machine may take a few


def test_appearing_offline_for_an_hour_shows_boris_as_last_seen_to_chloe_until_he_turns_it_off(
    browser, live_server
):
    boris = UserFactory(username="boris", first_name="Boris", last_name="Pasternak")
    chloe = UserFactory(username="chloe", first_name="Chloe", last_name="Zhao")
    social.follow(follower=chloe, followee=boris)

    boris_context = open_context(browser, live_server)
    log_in(boris_context, live_server, boris)
    boris_page = boris_context.new_page()
    boris_health = watch(boris_page, live_server)
    boris_page.goto("/")

    chloe_context = open_context(browser, live_server)
    log_in(chloe_context, live_server, chloe)
    chloe_page = chloe_context.new_page()
    chloe_health = watch(chloe_page, live_server)
    chloe_page.goto("/u/boris/")
    badge = chloe_page.locator("main [data-presence='boris']").first
    expect(badge).to_contain_text("Online", timeout=WAIT)

    state = boris_page.locator("#appear-offline-state")
    expect(state).to_be_hidden()
    boris_page.get_by_role("button", name="Boris Pasternak").click()
    menu = boris_page.get_by_role("group", name="Appear offline")
    expect(menu.get_by_role("button")).to_have_text(
        ["For 1 hour", "Until tomorrow", "Until I turn it off"]
    )
    # "Until tomorrow" ends at 08:00 on his clock: the form carries the browser's time zone.
    expect(boris_page.locator("input[name='time_zone']")).to_have_value(re.compile(r"\w+"))
    menu.get_by_role("button", name="For 1 hour").click()

    expect(state).to_be_visible()
    expect(state).to_contain_text("Appearing offline until")
    expect(boris_page.locator("#presence-announcer")).to_contain_text("You now appear offline")
    assert_accessible(boris_page)

    expect(badge).to_contain_text("Last seen", timeout=WAIT)
    expect(chloe_page.locator("#presence-announcer")).to_contain_text("boris: Last seen")

    boris_page.get_by_role("button", name="Turn off").click()
    expect(state).to_be_hidden()
    expect(boris_page.locator("#presence-announcer")).to_contain_text(
        "You no longer appear offline"
    )
    # The button he pressed is gone: focus is on his menu's button, not lost.
    boris_page.wait_for_function("() => document.activeElement.id === 'member-menu-button'")
    expect(badge).to_contain_text("Online", timeout=WAIT)
    boris_health.assert_clean()
    chloe_health.assert_clean()


def test_the_bar_state_ends_on_its_own_and_says_so(browser, live_server):
    from datetime import timedelta

    from django.utils import timezone

    from apps.profiles import services

    boris = UserFactory(username="boris", first_name="Boris", last_name="Pasternak")
    services.appear_offline(user=boris, until=timezone.now() + timedelta(seconds=4))
    context = open_context(browser, live_server)
    log_in(context, live_server, boris)
    page = context.new_page()
    health = watch(page, live_server)
    page.goto("/")
    state = page.locator("#appear-offline-state")
    expect(state).to_contain_text("Appearing offline until")
    # times.js says the end as the time of day on the reader's clock, not in UTC.
    expect(state.locator("time[data-clock]")).not_to_contain_text("UTC")
    expect(state).to_be_hidden(timeout=WAIT)
    expect(page.locator("#presence-announcer")).to_have_text(
        "You no longer appear offline: others see you as you are again."
    )
    health.assert_clean()
