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

# Polls come every second here (fast_polls); a change shows within one or two of them, and
# a loaded machine is allowed eight.
WITHIN_A_POLL = 8000


def member(username: str, first: str, last: str):
    return UserFactory(username=username, first_name=first, last_name=last)


def open_as(browser, live_server, user, viewport=DESKTOP, **options):
    """A page in its own browser context, signed in as `user`, watched for errors."""
    context = open_context(browser, live_server, viewport=viewport, **options)
    log_in(context, live_server, user)
    page = context.new_page()
    page.health = watch(page, live_server)
    return page


def thread(page):
    return page.locator("#conversation-messages")


def composer_box(page):
    return page.locator("#composer").get_by_label("Message", exact=True)


def send(page, text: str) -> None:
    """Type a message in the composer and send it with its button, as a person would."""
    composer_box(page).fill(text)
    page.locator("#composer").get_by_role("button", name="Send").click()
    expect(thread(page).locator(".message-mine").last).to_contain_text(text)


def test_a_request_is_accepted_answered_and_the_reply_and_seen_arrive_live(browser, live_server):
    """The issue's journey: alice writes to boris, who does not follow her; it waits in his
    Requests; he accepts and replies; her open page shows "Seen" and his reply, his shows
    "Seen" once she has it; her next message lights his Messages link within a poll."""
    alice = member("alice", "Alice", "Liddell")
    boris = member("boris", "Boris", "Pasternak")
    social.follow(follower=alice, followee=boris)  # he does not follow her back

    alice_page = open_as(browser, live_server, alice)
    alice_page.goto("/u/boris/")
    alice_page.get_by_role("link", name="Message @boris").click()
    alice_page.wait_for_url("**/messages/new/?to=boris")
    expect(alice_page.get_by_role("combobox", name="To")).to_have_value("boris")
    alice_page.get_by_label("Message", exact=True).fill(
        "Hello Boris! Is the poetry evening at the library still on Friday?"
    )
    alice_page.get_by_role("button", name="Send").click()
    alice_page.wait_for_url("**/messages/*/")
    expect(thread(alice_page)).to_contain_text("poetry evening at the library")
    expect(alice_page.get_by_role("note")).to_contain_text("not end-to-end encrypted")
    expect(alice_page.locator("#conversation-seen")).to_have_text("")

    # A stranger's first message waits in his Requests and does not light his bar.
    boris_page = open_as(browser, live_server, boris)
    boris_page.goto("/")
    expect(boris_page.locator("#messages-link [data-unread-messages]")).to_have_count(0)
    boris_page.locator("#messages-link").click()
    boris_page.wait_for_url("**/messages/")
    expect(boris_page.locator("#conversations")).not_to_contain_text("Alice Liddell")
    requests = boris_page.get_by_role("link", name="Requests")
    expect(requests.locator("[data-requests-count]")).to_contain_text("1")
    requests.click()
    row = boris_page.locator("#conversations").get_by_role("link", name="Alice Liddell")
    expect(boris_page.locator("#conversations")).to_contain_text("poetry evening")
    row.click()
    boris_page.wait_for_url("**/messages/*/")
    expect(boris_page.get_by_role("heading", name="Message request")).to_be_visible()
    expect(thread(boris_page)).to_contain_text("poetry evening at the library")

    # Read as a request, it tells her nothing; accepted, her open page says "Seen" within a
    # poll, without reloading.
    alice_page.wait_for_timeout(2500)  # two of her polls
    expect(alice_page.locator("#conversation-seen")).to_have_text("")
    boris_page.get_by_role("button", name="Accept").click()
    expect(boris_page.get_by_role("heading", name="Message request")).to_have_count(0)
    expect(alice_page.locator("#conversation-seen")).to_contain_text("Seen", timeout=WITHIN_A_POLL)

    send(boris_page, "Hi Alice, yes! Seven o'clock. Bring a poem.")
    # The keyboard stays in the composer, emptied, to write the next one.
    expect(composer_box(boris_page)).to_be_focused()
    expect(composer_box(boris_page)).to_have_value("")

    # His reply reaches her open page through the poll; her page having shown it, his says
    # "Seen" in turn.
    expect(thread(alice_page)).to_contain_text(
        "Seven o'clock. Bring a poem.", timeout=WITHIN_A_POLL
    )
    expect(alice_page.locator("#conversation-seen")).to_have_text("")
    expect(boris_page.locator("#conversation-seen")).to_contain_text("Seen", timeout=WITHIN_A_POLL)

    # Accepted, it is one of his conversations; and her next message lights his bar within
    # a poll while he is elsewhere.
    boris_page.goto("/messages/requests/")
    expect(boris_page.locator("#conversations")).to_contain_text("No message requests.")
    boris_page.goto("/")
    send(alice_page, "Wonderful. I will bring the one about the kettle.")
    link = boris_page.locator("#messages-link")
    expect(link.locator("[data-unread-messages]")).to_have_text("1", timeout=WITHIN_A_POLL)
    expect(link).to_have_accessible_name("Messages 1 conversation with unread messages")
    link.click()
    unread = boris_page.locator("#conversations .conversation-unread")
    expect(unread).to_contain_text("Alice Liddell")
    expect(unread).to_contain_text("the one about the kettle")
    unread.get_by_role("link", name="Alice Liddell").click()
    expect(thread(boris_page)).to_contain_text("the one about the kettle")
    expect(boris_page.locator("#messages-link [data-unread-messages]")).to_have_count(0)

    alice_page.health.assert_clean()
    boris_page.health.assert_clean()


def test_a_group_of_three_sees_each_message_live_and_who_has_seen_it(browser, live_server):
    alice = member("alice", "Alice", "Liddell")
    boris = member("boris", "Boris", "Pasternak")
    carol = member("carol", "Carol", "Danvers")
    for friend in (boris, carol):
        social.follow(follower=friend, followee=alice)
        social.follow(follower=alice, followee=friend)

    alice_page = open_as(browser, live_server, alice)
    alice_page.goto("/messages/")
    alice_page.get_by_role("link", name="New message").click()
    alice_page.get_by_role("combobox", name="To").fill("@boris, @carol")
    alice_page.get_by_label("Group name").fill("Saturday picnic")
    alice_page.get_by_label("Message", exact=True).fill(
        "Picnic by the lake on Saturday? I will bring tea."
    )
    alice_page.get_by_role("button", name="Send").click()
    alice_page.wait_for_url("**/messages/*/")
    expect(alice_page.get_by_role("heading", name="Saturday picnic")).to_be_visible()
    expect(alice_page.get_by_text("3 members")).to_be_visible()
    group_url = alice_page.url

    boris_page = open_as(browser, live_server, boris)
    boris_page.goto(group_url)
    expect(thread(boris_page)).to_contain_text("Picnic by the lake")
    # Read by one of the two so far.
    expect(alice_page.locator("#conversation-seen")).to_have_text(
        "Seen by Boris Pasternak", timeout=WITHIN_A_POLL
    )
    send(boris_page, "Count me in. I will bring a blanket.")

    carol_page = open_as(browser, live_server, carol)
    carol_page.goto(group_url)
    expect(thread(carol_page)).to_contain_text("Picnic by the lake")
    expect(thread(carol_page)).to_contain_text("I will bring a blanket.")

    # Her message reaches both open pages, and she sees both have seen it.
    send(carol_page, "And I will bake a cake!")
    for page in (alice_page, boris_page):
        expect(thread(page)).to_contain_text("I will bake a cake!", timeout=WITHIN_A_POLL)
    seen = carol_page.locator("#conversation-seen")
    expect(seen).to_contain_text("Seen by", timeout=WITHIN_A_POLL)
    expect(seen).to_contain_text("Alice Liddell", timeout=WITHIN_A_POLL)
    expect(seen).to_contain_text("Boris Pasternak", timeout=WITHIN_A_POLL)
    for page in (alice_page, boris_page, carol_page):
        page.health.assert_clean()


def test_a_block_ends_the_conversation_for_both(browser, live_server):
    alice = member("alice", "Alice", "Liddell")
    boris = member("boris", "Boris", "Pasternak")
    social.follow(follower=boris, followee=alice)
    first = conversations.start_conversation(starter=alice, members=[boris], text="Hello!")
    conversations.send_message(sender=boris, conversation=first.conversation, text="Hi there.")
    url = first.conversation.get_absolute_url()

    alice_page = open_as(browser, live_server, alice)
    alice_page.goto(url)
    expect(thread(alice_page)).to_contain_text("Hi there.")

    boris_page = open_as(browser, live_server, boris)
    boris_page.goto("/u/alice/block/")
    boris_page.get_by_role("button", name="Block", exact=True).click()
    expect(boris_page.get_by_text("You blocked @alice.")).to_be_visible()
    boris_page.goto(url)
    closed = boris_page.locator("#conversation-closed")
    expect(closed).to_contain_text("This conversation has ended")
    expect(boris_page.locator("#composer")).to_have_count(0)
    expect(thread(boris_page)).to_contain_text("Hi there.")  # the blocker keeps the history
    boris_page.health.assert_clean()

    # Her page was open before the block: what she sends is refused, saying why.
    composer_box(alice_page).fill("Are you there?")
    alice_page.locator("#composer").get_by_role("button", name="Send").click()
    expect(alice_page.locator("#conversation-closed")).to_contain_text(
        "This conversation has ended"
    )
    expect(alice_page.locator("#composer")).to_have_count(0)
    expect(thread(alice_page)).not_to_contain_text("Are you there?")
    # Opened again, the history is gone from the blocked side.
    alice_page.goto(url)
    expect(alice_page.get_by_role("heading", name="Conversation not available")).to_be_visible()
    expect(alice_page.get_by_text("Hi there.")).to_have_count(0)
    assert not first.conversation.messages.filter(text="Are you there?").exists()


def test_a_conversation_on_a_phone_fits_and_keeps_the_keyboard_in_the_composer(
    browser, live_server
):
    alice = member("alice", "Alice", "Liddell")
    boris = member("boris", "Boris", "Pasternak")
    social.follow(follower=alice, followee=boris)
    first = conversations.start_conversation(
        starter=boris,
        members=[alice],
        text="Did you finish Pnin? https://www.gutenberg.org has nothing of his, sadly. " * 4,
    )
    page = open_as(browser, live_server, alice, viewport=MOBILE)
    page.goto(first.conversation.get_absolute_url())
    box = composer_box(page)
    expect(box).to_be_visible()
    box.fill("Last night. The ending!")
    box.press("Control+Enter")
    expect(thread(page).locator(".message-mine")).to_contain_text("The ending!")
    expect(box).to_be_focused()
    expect(box).to_have_value("")
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
    if path == "thread" and language == "ru":
        # The page's own words: the bar, the header and the note on encryption.
        page.evaluate("() => window.scrollTo({top: 0, behavior: 'instant'})")
    elif path == "thread" and viewport == MOBILE:
        # On a phone the newest messages and the composer under them, as one writes.
        page.evaluate(
            "() => document.getElementById('composer')"
            ".scrollIntoView({block: 'end', behavior: 'instant'})"
        )
    shoot(page, name)
    page.health.assert_clean()
