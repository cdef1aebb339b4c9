"""A conversation live in a real browser: a message written elsewhere reaches the open page
through its single poll, once, while the member keeps typing; "seen" follows; the bar's
Messages link counts what waits unread."""

import pytest
from playwright.sync_api import expect

from apps.conversations import services
from apps.social import services as social
from tests.factories import UserFactory

from .conftest import log_in, open_context, watch

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_polls"),
]


def test_a_reply_arrives_while_the_member_types_and_seen_follows(browser, live_server):
    alice = UserFactory(username="alice", first_name="Alice", last_name="Liddell")
    boris = UserFactory(username="boris", first_name="Boris", last_name="Pasternak")
    social.follow(follower=boris, followee=alice)
    first = services.start_conversation(starter=alice, members=[boris], text="Hello Boris")
    conversation = first.conversation

    context = open_context(browser, live_server)
    log_in(context, live_server, boris)
    page = context.new_page()
    health = watch(page, live_server)
    page.goto("/")
    link = page.locator("#messages-link")
    expect(link).to_have_accessible_name("Messages 1 conversation with unread messages")
    page.goto(conversation.get_absolute_url())
    expect(page.locator("#online-now")).to_have_count(0)  # the poll asks no online=1 here
    expect(link.locator("[data-unread-messages]")).to_have_count(0)  # read as it is opened

    box = page.locator("#composer textarea[name=text]")
    box.click()
    box.type("Half a thought")
    reply = services.send_message(sender=alice, conversation=conversation, text="Are you there?")

    messages = page.locator("#conversation-messages")
    expect(messages.locator(f"#message-{reply.pk}")).to_contain_text("Are you there?", timeout=8000)
    expect(messages).to_have_attribute("aria-live", "polite")
    expect(messages).to_have_attribute("data-last-message", str(reply.pk))
    expect(box).to_be_focused()
    expect(box).to_have_value("Half a thought")
    page.wait_for_timeout(2500)  # more polls: the message stays one
    expect(messages.locator(f"#message-{reply.pk}")).to_have_count(1)
    expect(link.locator("[data-unread-messages]")).to_have_count(0)

    # Alice's page: boris's open page has read her message.
    alice_context = open_context(browser, live_server)
    log_in(alice_context, live_server, alice)
    hers = alice_context.new_page()
    mine = services.send_message(sender=alice, conversation=conversation, text="Still there?")
    hers.goto(conversation.get_absolute_url())
    expect(page.locator(f"#message-{mine.pk}")).to_be_visible(timeout=8000)
    expect(hers.locator("#conversation-seen")).to_contain_text("Seen", timeout=8000)
    health.assert_clean()
    alice_context.close()
    context.close()
