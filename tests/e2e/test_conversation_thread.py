"""The conversation page in a real browser: the composer sends with htmx and keeps the focus,
keeps its draft across a reload until a send succeeds, older messages arrive above, a message
is deleted for everyone, and the page works without JavaScript."""

import pytest
from playwright.sync_api import expect

from apps.conversations import services as conversations
from apps.social import services as social
from tests.factories import UserFactory

from .conftest import DESKTOP, MOBILE, assert_accessible, log_in, open_context, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pair(db):
    alice = UserFactory(username="alice", first_name="Alice", last_name="Liddell")
    boris = UserFactory(username="boris", first_name="Boris", last_name="Pasternak")
    social.follow(follower=boris, followee=alice)
    first = conversations.start_conversation(starter=alice, members=[boris], text="Hello Boris")
    return alice, boris, first.conversation


def open_as(browser, live_server, user, viewport=DESKTOP, **options):
    context = open_context(browser, live_server, viewport=viewport, **options)
    log_in(context, live_server, user)
    page = context.new_page()
    page.health = watch(page, live_server)
    return page


def test_sending_keeps_focus_and_clears_the_draft_and_the_box(browser, live_server, pair):
    _alice, boris, conversation = pair
    page = open_as(browser, live_server, boris)
    page.goto(conversation.get_absolute_url())
    box = page.locator("#composer").get_by_label("Message")
    box.fill("A draft I do not want to lose")
    page.reload()
    expect(box).to_have_value("A draft I do not want to lose")
    box.fill("Hi Alice!")
    page.locator("#composer").get_by_role("button", name="Send").click()
    expect(page.locator("#conversation-messages .message-mine")).to_contain_text("Hi Alice!")
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    last = conversation.messages.latest("pk").pk
    expect(page.locator("#conversation-messages")).to_have_attribute("data-last-message", str(last))
    # Toasts stay in the site's region, not among the messages.
    assert page.locator("#messages").count() == 1
    page.reload()
    expect(box).to_have_value("")
    page.health.assert_clean()


def test_an_empty_send_says_why_and_keeps_the_focus(browser, live_server, pair):
    alice, _boris, conversation = pair
    page = open_as(browser, live_server, alice)
    page.goto(conversation.get_absolute_url())
    page.locator("#composer").get_by_role("button", name="Send").click()
    expect(page.locator("#composer")).to_contain_text("Write a message or choose an image.")
    expect(page.locator("#composer").get_by_label("Message")).to_be_focused()
    page.health.assert_clean()


def test_older_messages_arrive_above_and_the_newest_of_them_takes_focus(browser, live_server, pair):
    alice, boris, conversation = pair
    for number in range(35):
        conversations.send_message(sender=alice, conversation=conversation, text=f"Line {number}")
    page = open_as(browser, live_server, boris)
    page.goto(conversation.get_absolute_url())
    items = page.locator("#conversation-messages > li.message")
    expect(items).to_have_count(30)
    page.get_by_role("link", name="Show older messages").click()
    expect(items).to_have_count(36)
    expect(items.first).to_contain_text("Hello Boris")
    expect(page.get_by_text("This is the beginning of the conversation.")).to_be_visible()
    expect(
        page.locator("#message-" + str(conversation.messages.order_by("pk")[5].pk))
    ).to_be_focused()
    page.health.assert_clean()


def test_a_message_is_deleted_for_everyone_in_place(browser, live_server, pair):
    alice, _boris, conversation = pair
    page = open_as(browser, live_server, alice)
    page.goto(conversation.get_absolute_url())
    page.on("dialog", lambda dialog: dialog.accept())
    message = page.locator("#conversation-messages .message-mine").first
    message.get_by_role("button", name="Delete for everyone").click()
    expect(message).to_contain_text("Message deleted")
    expect(page.locator("#conversation-messages")).not_to_contain_text("Hello Boris")
    page.health.assert_clean()


def test_without_javascript_a_message_is_sent_and_older_ones_are_a_page(browser, live_server, pair):
    alice, boris, conversation = pair
    for number in range(31):
        conversations.send_message(sender=alice, conversation=conversation, text=f"Line {number}")
    page = open_as(browser, live_server, boris, java_script_enabled=False)
    page.goto(conversation.get_absolute_url())
    page.locator("#composer").get_by_label("Message").fill("Sent without scripts")
    page.locator("#composer").get_by_role("button", name="Send").click()
    page.wait_for_url("**/messages/*/#composer")
    expect(page.locator("#conversation-messages")).to_contain_text("Sent without scripts")
    page.get_by_role("link", name="Show older messages").click()
    page.wait_for_url("**/older/?before=*")
    expect(page.locator("#conversation-messages")).to_contain_text("Hello Boris")
    expect(page.locator("#composer")).to_have_count(0)


def test_the_conversation_on_a_phone_is_accessible_and_fits(browser, live_server, pair):
    alice, boris, conversation = pair
    conversations.send_message(
        sender=boris, conversation=conversation, text="A long word: " + "x" * 80
    )
    page = open_as(browser, live_server, alice, viewport=MOBILE)
    page.goto(conversation.get_absolute_url())
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"the page scrolls sideways: {width} px"
    assert_accessible(page)
    page.health.assert_clean()


def test_a_send_the_server_fails_or_the_network_drops_keeps_the_message(browser, live_server, pair):
    alice, _boris, conversation = pair
    page = open_as(browser, live_server, alice)
    page.goto(conversation.get_absolute_url())
    box = page.locator("#composer").get_by_label("Message")
    send = page.locator("#composer").get_by_role("button", name="Send")
    box.fill("Are we still on for Friday?")
    page.route("**/send/", lambda route: route.fulfill(status=503, body="busy"))
    send.click()
    expect(page.get_by_role("alert")).to_contain_text("the server had a problem (503)")
    expect(box).to_have_value("Are we still on for Friday?")
    expect(send).to_be_enabled()
    page.unroute("**/send/")
    page.route("**/send/", lambda route: route.abort("internetdisconnected"))
    send.click()
    expect(page.get_by_role("alert").last).to_contain_text("may or may not have been")
    expect(box).to_have_value("Are we still on for Friday?")
    # The draft outlives a reload too, and the next send goes through, once.
    page.unroute("**/send/")
    page.reload()
    expect(box).to_have_value("Are we still on for Friday?")
    send.click()
    expect(page.locator("#conversation-messages .message-mine").last).to_contain_text(
        "Are we still on for Friday?"
    )
    expect(box).to_have_value("")
    assert conversation.messages.filter(text="Are we still on for Friday?").count() == 1
