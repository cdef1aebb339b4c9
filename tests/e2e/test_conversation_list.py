"""The conversation list, starting a conversation and the message setting in a real browser:
accessible at phone width, more conversations as the list scrolls, and every form working
without JavaScript."""

import pytest
from playwright.sync_api import expect

from apps.conversations import services as conversations
from apps.conversations.models import Preferences, WhoMayWrite
from apps.social import services as social
from tests.factories import UserFactory

from .conftest import MOBILE, assert_accessible, log_in, open_context, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", first_name="Alice", last_name="Liddell")


def open_as(browser, live_server, user, **options):
    context = open_context(browser, live_server, **options)
    log_in(context, live_server, user)
    page = context.new_page()
    page.health = watch(page, live_server)
    return page


def test_the_list_at_phone_width_reads_well_and_opens_a_conversation(browser, live_server, alice):
    boris = UserFactory(username="boris", first_name="Boris", last_name="Pasternak")
    clara = UserFactory(username="clara", first_name="Clara", last_name="Schumann")
    social.follow(follower=alice, followee=boris)
    conversations.start_conversation(starter=boris, members=[alice], text="A" * 300)
    conversations.start_conversation(starter=clara, members=[alice], text="Hello from Clara")
    page = open_as(browser, live_server, alice, viewport=MOBILE)
    page.goto("/messages/")
    row = page.locator("#conversations li", has_text="Boris Pasternak")
    expect(row.locator("[data-unread-count]")).to_contain_text("1")
    expect(page.locator("#requests-tab")).to_contain_text("1")
    wide = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
    assert not wide
    assert_accessible(page)
    page.get_by_role("link", name="Requests").click()
    expect(page.locator("#conversations")).to_contain_text("Hello from Clara")
    assert_accessible(page)
    page.locator("#conversations").get_by_role("link", name="Clara Schumann").click()
    page.wait_for_url("**/messages/*/")
    page.health.assert_clean()


def test_scrolling_the_list_loads_more_conversations(browser, live_server, alice):
    for number in range(33):
        friend = UserFactory(username=f"friend{number:02}")
        social.follow(follower=alice, followee=friend)
        conversations.start_conversation(starter=friend, members=[alice], text=f"Hi {number}")
    page = open_as(browser, live_server, alice)
    page.goto("/messages/")
    rows = page.locator("#conversations li.conversation-row")
    expect(rows).to_have_count(30)
    page.locator("#conversations li").last.scroll_into_view_if_needed()
    expect(rows).to_have_count(33)
    expect(rows.last).to_contain_text("Hi 0")
    page.health.assert_clean()


def test_starting_a_group_and_saving_the_setting_work_without_javascript(
    browser, live_server, alice
):
    UserFactory(username="boris", first_name="Boris", last_name="Pasternak")
    UserFactory(username="clara", first_name="Clara", last_name="Schumann")
    page = open_as(browser, live_server, alice, java_script_enabled=False)
    page.goto("/messages/new/")
    page.locator("#id_to").fill("boris, nobody")
    page.get_by_label("Message", exact=True).fill("Tea on Sunday?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("No member is called @nobody.").first).to_be_visible()
    expect(page.get_by_label("Message", exact=True)).to_have_value("Tea on Sunday?")
    page.locator("#id_to").fill("@boris, @clara")
    page.get_by_label("Group name").fill("Tea club")
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/messages/*/")
    expect(page.get_by_text("Tea on Sunday?")).to_be_visible()
    page.goto("/settings/account/")
    page.get_by_role("link", name="Who may message you").click()
    page.get_by_label("Nobody").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Message settings saved.")).to_be_visible()
    assert Preferences.objects.get(user=alice).who_may_write == WhoMayWrite.NOBODY


def test_suggestions_complete_the_last_handle_and_keep_the_others(browser, live_server, alice):
    for name in ("boris", "clara"):
        social.follow(follower=alice, followee=UserFactory(username=name))
    page = open_as(browser, live_server, alice)
    page.goto("/messages/new/")
    page.locator("#id_to").press_sequentially("boris, c")
    options = page.locator("#people-you-follow option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", "boris, clara")
    page.health.assert_clean()
