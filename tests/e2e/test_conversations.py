"""Conversations in real browsers, each member in their own browser context: a first message
waits in Requests, is accepted and answered, and both sides see the other's messages and
"Seen" arrive through the page's single poll; a group of three; a block ending a
conversation; the page at phone width; and the README's screenshots."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from apps.conversations import services as conversations
from apps.social import services as social
from tests.factories import UserFactory

from .conftest import DESKTOP, MOBILE, assert_accessible, log_in, open_context, shoot, watch

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_polls"),
]

# Polls come every second here (fast_polls); a change shows within one or two of them.
WITHIN_A_POLL = 5000


def member(username: str, first: str, last: str):
    return UserFactory(username=username, first_name=first, last_name=last)


def open_as(browser, live_server, user, viewport=DESKTOP, **options):
    """A page in its own browser context, signed in as `user`, watched for errors."""
    context = open_context(browser, live_server, viewport=viewport, **options)
    log_in(context, live_server, user)
    page = context.new_page()
    page.health = watch(page, live_server)
    return page


def messages_link(page):
    return page.get_by_role("navigation").get_by_role("link", name="Messages")


def send(page, text: str) -> None:
    """Type a message in the composer and send it with its button, as a person would."""
    composer = page.locator("#composer")
    composer.get_by_label("Message").fill(text)
    composer.get_by_role("button", name="Send").click()
    expect(page.locator("#messages")).to_contain_text(text)


def test_a_first_message_waits_in_requests_is_accepted_answered_and_seen_live(browser, live_server):
    alice = member("alice", "Alice", "Liddell")
    boris = member("boris", "Boris", "Pasternak")
    social.follow(follower=alice, followee=boris)  # boris does not follow alice back

    boris_page = open_as(browser, live_server, boris)
    boris_page.goto("/")
    expect(messages_link(boris_page)).to_have_accessible_name("Messages")

    # Alice writes from Boris's profile.
    alice_page = open_as(browser, live_server, alice)
    alice_page.goto("/u/boris/")
    alice_page.get_by_role("link", name="Message").click()
    alice_page.wait_for_url("**/messages/new/?to=boris")
    alice_page.get_by_label("Message").fill("Hello Boris! Is the poetry evening still on Friday?")
    alice_page.get_by_role("button", name="Send").click()
    alice_page.wait_for_url("**/messages/*/")
    thread = alice_page.locator("#messages")
    expect(thread).to_contain_text("Is the poetry evening still on Friday?")
    expect(alice_page.get_by_text("not end-to-end encrypted")).to_be_visible()

    # Boris's open tab counts it within a poll, without reloading; it waits in his Requests.
    expect(messages_link(boris_page)).to_contain_text("1", timeout=WITHIN_A_POLL)
    messages_link(boris_page).click()
    boris_page.get_by_role("link", name="Requests").click()
    request = boris_page.locator("#conversations").get_by_role("link", name="Alice Liddell")
    expect(request).to_be_visible()
    request.click()
    boris_page.wait_for_url("**/messages/*/")
    expect(boris_page.locator("#messages")).to_contain_text("poetry evening")

    # Alice sees that he has read it, without reloading.
    expect(alice_page.locator("#conversation-seen")).to_contain_text("Seen", timeout=WITHIN_A_POLL)

    boris_page.get_by_role("button", name="Accept").click()
    send(boris_page, "Hi Alice, yes! Seven o'clock, bring a poem.")
    expect(boris_page.get_by_label("Message")).to_be_focused()
    expect(boris_page.get_by_label("Message")).to_have_value("")

    # The reply reaches Alice's open page through the poll, and her page having shown it,
    # Boris sees "Seen".
    expect(thread).to_contain_text("Seven o'clock, bring a poem.", timeout=WITHIN_A_POLL)
    expect(boris_page.locator("#conversation-seen")).to_contain_text("Seen", timeout=WITHIN_A_POLL)

    # Accepted: no longer a request, in his inbox.
    boris_page.goto("/messages/")
    expect(boris_page.locator("#conversations")).to_contain_text("Alice Liddell")
    boris_page.goto("/messages/requests/")
    expect(boris_page.locator("#conversations")).not_to_contain_text("Alice Liddell")

    alice_page.health.assert_clean()
    boris_page.health.assert_clean()


def test_a_group_of_three_sees_each_message_and_who_has_seen_it(browser, live_server):
    alice = member("alice", "Alice", "Liddell")
    boris = member("boris", "Boris", "Pasternak")
    carol = member("carol", "Carol", "Danvers")
    for friend in (boris, carol):
        social.follow(follower=friend, followee=alice)
        social.follow(follower=alice, followee=friend)

    alice_page = open_as(browser, live_server, alice)
    alice_page.goto("/messages/new/")
    alice_page.get_by_label("To").fill("boris carol")
    alice_page.get_by_label("Group name").fill("Saturday picnic")
    alice_page.get_by_label("Message").fill("Picnic by the lake on Saturday? I'll bring tea.")
    alice_page.get_by_role("button", name="Send").click()
    alice_page.wait_for_url("**/messages/*/")
    expect(alice_page.get_by_role("heading", name="Saturday picnic")).to_be_visible()
    group_url = alice_page.url

    boris_page = open_as(browser, live_server, boris)
    boris_page.goto(group_url)
    expect(boris_page.locator("#messages")).to_contain_text("Picnic by the lake")
    send(boris_page, "Count me in. I'll bring a blanket.")

    carol_page = open_as(browser, live_server, carol)
    carol_page.goto(group_url)
    thread = carol_page.locator("#messages")
    expect(thread).to_contain_text("Picnic by the lake")
    expect(thread).to_contain_text("I'll bring a blanket.")

    # Everyone's new message reaches the others' open pages; and each sees who has read it.
    send(carol_page, "And I'll bake a cake!")
    for page in (alice_page, boris_page):
        expect(page.locator("#messages")).to_contain_text(
            "I'll bake a cake!", timeout=WITHIN_A_POLL
        )
    seen = carol_page.locator("#conversation-seen")
    expect(seen).to_contain_text("Seen", timeout=WITHIN_A_POLL)
    expect(seen).to_contain_text("Alice")
    expect(seen).to_contain_text("Boris")
    for page in (alice_page, boris_page, carol_page):
        page.health.assert_clean()


def test_a_block_ends_the_conversation_for_both(browser, live_server):
    alice = member("alice", "Alice", "Liddell")
    boris = member("boris", "Boris", "Pasternak")
    first = conversations.start_conversation(starter=alice, members=[boris], text="Hello!")
    conversations.send_message(sender=boris, conversation=first.conversation, text="Hi.")
    url = first.conversation.get_absolute_url()

    alice_page = open_as(browser, live_server, alice)
    alice_page.goto(url)
    expect(alice_page.locator("#messages")).to_contain_text("Hi.")

    boris_page = open_as(browser, live_server, boris)
    boris_page.goto("/u/alice/block/")
    boris_page.get_by_role("button", name="Block", exact=True).click()
    expect(boris_page.get_by_text("You blocked @alice.")).to_be_visible()
    boris_page.goto(url)
    expect(boris_page.get_by_text("This conversation has ended")).to_be_visible()
    expect(boris_page.locator("#composer")).to_have_count(0)

    # Alice's page was open before the block: her message is refused, and says why.
    alice_page.locator("#composer").get_by_label("Message").fill("Are you there?")
    alice_page.locator("#composer").get_by_role("button", name="Send").click()
    expect(alice_page.get_by_text("This conversation has ended")).to_be_visible()
    expect(alice_page.locator("#messages")).not_to_contain_text("Are you there?")
    alice_page.reload()
    expect(alice_page.get_by_text("This conversation has ended")).to_be_visible()
    expect(alice_page.locator("#composer")).to_have_count(0)


def test_a_conversation_on_a_phone_fits_and_keeps_the_keyboard_in_the_composer(
    browser, live_server
):
    alice = member("alice", "Alice", "Liddell")
    boris = member("boris", "Boris", "Pasternak")
    first = conversations.start_conversation(
        starter=boris, members=[alice], text="Did you finish Pnin? " * 12
    )
    page = open_as(browser, live_server, alice, viewport=MOBILE)
    page.goto(first.conversation.get_absolute_url())
    composer = page.locator("#composer").get_by_label("Message")
    expect(composer).to_be_visible()
    composer.fill("Last night. The ending!")
    composer.press("Control+Enter")
    expect(page.locator("#messages")).to_contain_text("The ending!")
    expect(composer).to_be_focused()
    expect(composer).to_have_value("")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"the page scrolls sideways: {width} px"
    assert_accessible(page)
    page.health.assert_clean()


DEMO_THREAD = "boris"  # alice's conversation with him, in the demo (apps/membership/demo.py)


def demo_conversation_url() -> str:
    from apps.conversations.models import Conversation

    users = get_user_model().objects
    alice, boris = users.get(username="alice"), users.get(username=DEMO_THREAD)
    pair = conversations.pair_key(alice.pk, boris.pk)
    return Conversation.objects.get(pair=pair).get_absolute_url()


@pytest.mark.parametrize(
    ("name", "viewport", "language", "path"),
    [
        ("messages-list-desktop", DESKTOP, "en", "/messages/"),
        ("messages-desktop", DESKTOP, "en", "thread"),
        ("messages-mobile", MOBILE, "en", "thread"),
        ("messages-ru-mobile", MOBILE, "ru", "thread"),
    ],
)
def test_the_demo_conversations_are_accessible_and_photographed(
    browser, live_server, demo, name, viewport, language, path
):
    alice = get_user_model().objects.get(username="alice")
    page = open_as(browser, live_server, alice, viewport=viewport, locale=language)
    page.goto(demo_conversation_url() if path == "thread" else path)
    assert page.evaluate("() => document.documentElement.lang") == language
    assert_accessible(page)
    shoot(page, name)
    page.health.assert_clean()
