"""Presence in real browsers: one context watches a profile while another logs in and out."""

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

from .conftest import open_context, sign_in, watch

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_polls"),
]


def test_a_watcher_sees_login_and_logout_without_reloading(browser, live_server):
    UserFactory(username="alice", first_name="Alice", last_name="Liddell")
    watcher_context = open_context(browser, live_server)
    watcher = watcher_context.new_page()
    health = watch(watcher, live_server)
    watcher.goto("/u/alice/")
    badge = watcher.locator("[data-presence='alice']")
    expect(badge).to_have_text("○ Offline")

    alice_context = open_context(browser, live_server)
    alice = alice_context.new_page()
    sign_in(alice, "alice")

    expect(badge).to_contain_text("Online", timeout=5000)
    expect(watcher.locator("#presence-announcer")).to_have_text("alice: Online")

    alice.get_by_role("button", name="Alice Liddell").click()
    alice.get_by_role("button", name="Log out").click()
    alice.wait_for_url("**/")
    expect(badge).to_contain_text("Last seen", timeout=5000)
    health.assert_clean()
    alice_context.close()
    watcher_context.close()
