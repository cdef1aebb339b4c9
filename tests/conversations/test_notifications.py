"""New messages in the bell, the digest and Web Push: one line per conversation, never for a
request, withdrawn with a message deleted for everyone, read when the conversation is."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.conversations import services
from apps.push import delivery
from apps.social import selectors as social_selectors
from apps.social import services as social
from apps.social.models import Kind, Notification
from tests.factories import UserFactory
from tests.images import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", first_name="Alice", last_name="A")


@pytest.fixture
def boris(db):
    return UserFactory(username="boris", first_name="Boris", last_name="B")


@pytest.fixture
def vera(db):
    return UserFactory(username="vera", first_name="Vera", last_name="V")


@pytest.fixture
def friends(alice, boris, vera):
    """Everyone follows everyone: nothing waits in Requests."""
    for one in (alice, boris, vera):
        for other in (alice, boris, vera):
            if one != other:
                social.follow(follower=one, followee=other)
    Notification.objects.all().delete()


def bell(client, member) -> list[tuple[str, str, str]]:
    """The member's notification lines: (sentence, quote, link), "(new)" marking unread."""
    client.force_login(member)
    html = client.get("/notifications/").content.decode()
    found = re.findall(
        r'<li class="(list-group-item[^"]*notification[^"]*)"[^>]*>(.*?)</li>', html, re.S
    )
    lines = []
    for classes, item in found:
        link, sentence = re.search(r'<a class="text-body[^"]*"\s+href="([^"]+)"[^>]*>(.*?)</a>',
                                   item, re.S).groups()  # fmt: skip
        sentence = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", sentence)).strip()
        quote = re.search(r'<p class="mb-0 notification-excerpt[^"]*">(.*?)</p>', item, re.S)
        new = " (new)" if "notification-unread" in classes else ""
        lines.append((sentence + new, " ".join(quote.group(1).split()) if quote else "", link))
    return lines


def test_a_message_tells_the_other_member_with_its_text_and_a_link_to_the_conversation(
    client, alice, boris, friends
):
    message = services.start_conversation(starter=alice, members=[boris], text="Tea <at> five?")
    url = f"/messages/{message.conversation_id}/"
    assert bell(client, boris) == [
        ("Alice A sent you a message (new)", "“Tea &lt;at&gt; five?”", url)
    ]
    assert bell(client, alice) == []  # not told of your own message


def test_a_burst_of_messages_in_one_conversation_is_one_line_quoting_the_newest(
    client, alice, boris, friends
):
    first = services.start_conversation(starter=alice, members=[boris], text="One")
    services.send_message(sender=alice, conversation=first.conversation, text="Two")
    services.send_message(sender=alice, conversation=first.conversation, text="Three")
    assert bell(client, boris) == [
        ("Alice A sent you a message (new)", "“Three”", f"/messages/{first.conversation_id}/")
    ]


def test_two_members_writing_in_a_group_are_one_line_naming_both(
    client, alice, boris, vera, friends
):
    first = services.start_conversation(starter=alice, members=[boris, vera], text="Plans?")
    services.send_message(sender=vera, conversation=first.conversation, text="Sunday")
    [(sentence, quote, _link)] = bell(client, boris)
    assert sentence == "Vera V and Alice A sent you messages (new)"
    assert quote == "“Sunday”"


def test_each_conversation_is_a_line_of_its_own(client, alice, boris, vera, friends):
    services.start_conversation(starter=alice, members=[boris], text="Just us")
    services.start_conversation(starter=alice, members=[boris, vera], text="All of us")
    assert [quote for _s, quote, _l in bell(client, boris)] == ["“All of us”", "“Just us”"]


def test_an_image_alone_is_told_without_a_quote(client, alice, boris, friends):
    services.start_conversation(starter=alice, members=[boris], text="", image=image_bytes())
    [(sentence, quote, _link)] = bell(client, boris)
    assert (sentence, quote) == ("Alice A sent you a message (new)", "")


def test_a_request_is_not_told_until_it_is_accepted(client, alice, boris):
    message = services.start_conversation(starter=alice, members=[boris], text="Hi, stranger")
    assert bell(client, boris) == []
    services.accept_request(user=boris, conversation=message.conversation)
    services.send_message(sender=alice, conversation=message.conversation, text="Thanks!")
    assert [quote for _s, quote, _l in bell(client, boris)] == ["“Thanks!”"]


def test_a_reply_to_a_request_tells_its_starter(client, alice, boris):
    message = services.start_conversation(starter=alice, members=[boris], text="Hi")
    services.send_message(sender=boris, conversation=message.conversation, text="Hello")
    assert [s for s, _q, _l in bell(client, alice)] == ["Boris B sent you a message (new)"]


def test_a_member_who_left_the_group_is_not_told(client, alice, boris, vera, friends):
    first = services.start_conversation(starter=alice, members=[boris, vera], text="Hi all")
    services.leave_conversation(user=vera, conversation=first.conversation)
    Notification.objects.all().delete()
    services.send_message(sender=alice, conversation=first.conversation, text="Where is Vera?")
    assert bell(client, vera) == []
    assert len(bell(client, boris)) == 1


def test_a_muted_member_and_a_switched_off_kind_tell_nothing(client, alice, boris, vera, friends):
    social.mute(muter=boris, muted=alice)
    services.start_conversation(starter=alice, members=[boris], text="Hi")
    client.force_login(vera)
    kinds = ["follow", "like", "comment", "reply", "mention"]  # "message" left unticked
    assert client.post("/settings/notifications/", {"kinds": kinds}).status_code == 302
    services.start_conversation(starter=boris, members=[vera], text="Hi")
    assert not Notification.objects.filter(kind=Kind.MESSAGE).exists()


def test_the_settings_page_offers_new_messages_as_a_switch(client, boris):
    client.force_login(boris)
    html = client.get("/settings/notifications/").content.decode()
    assert re.search(r'value="message"[^>]*checked', html)
    assert "New messages" in html


def test_a_message_deleted_for_everyone_takes_its_notification_back(client, alice, boris, friends):
    first = services.start_conversation(starter=alice, members=[boris], text="Oops")
    second = services.send_message(sender=alice, conversation=first.conversation, text="Oops 2")
    services.delete_message(user=alice, message=second)
    assert [quote for _s, quote, _l in bell(client, boris)] == ["“Oops”"]
    services.delete_message(user=alice, message=first)
    assert bell(client, boris) == []


def test_opening_the_conversation_reads_its_line_and_only_its_line(
    client, alice, boris, vera, friends
):
    pair = services.start_conversation(starter=alice, members=[boris], text="Just us")
    services.start_conversation(starter=vera, members=[boris], text="From Vera")
    read = social.mark_read_about(user=boris, about=services.about(pair.conversation_id))
    assert read == 1
    assert [s for s, _q, _l in bell(client, boris)] == [
        "Vera V sent you a message (new)",
        "Alice A sent you a message",
    ]
    assert social.mark_read_about(user=boris, about="") == 0  # follows are about nothing


def test_writing_in_a_conversation_reads_its_line_for_the_writer(client, alice, boris, friends):
    first = services.start_conversation(starter=alice, members=[boris], text="Hi")
    services.send_message(sender=boris, conversation=first.conversation, text="Hi back")
    assert [s for s, _q, _l in bell(client, boris)] == ["Alice A sent you a message"]


def test_the_digest_lists_new_messages_in_the_bells_words(client, alice, boris, friends):
    client.force_login(boris)
    kinds = ["follow", "message"]
    client.post("/settings/notifications/", {"kinds": kinds, "digest": "on"})
    services.start_conversation(starter=alice, members=[boris], text="See you <soon>")
    assert social.send_digests() == 1
    assert "- Alice A sent you a message “See you <soon>”" in mail.outbox[0].body


def test_a_push_says_what_the_bell_says_and_opens_the_conversation(alice, boris, friends):
    before = timezone.now() - timedelta(seconds=1)
    message = services.start_conversation(starter=alice, members=[boris], text="Ring me")
    lines = social_selectors.unread_lines(boris, since=before, until=timezone.now())
    payload = delivery.build_payload(boris, lines, badge=1)
    assert payload["body"] == "Alice A sent you a message\n“Ring me”"
    assert payload["url"] == f"/messages/{message.conversation_id}/"


def test_a_block_takes_back_what_either_was_told_and_ends_the_conversation_until_lifted(
    client, alice, boris, friends
):
    first = services.start_conversation(starter=alice, members=[boris], text="Hi")
    services.send_message(sender=boris, conversation=first.conversation, text="Hi yourself")
    social.block(blocker=boris, blocked=alice)
    assert bell(client, boris) == []
    assert bell(client, alice) == []
    with pytest.raises(services.CannotWrite):
        services.send_message(sender=alice, conversation=first.conversation, text="Why?")
    social.unblock(blocker=boris, blocked=alice)  # the block was the only thing in the way
    services.send_message(sender=alice, conversation=first.conversation, text="Friends again")
    assert [quote for _s, quote, _l in bell(client, boris)] == ["“Friends again”"]


def test_hiding_or_leaving_a_conversation_reads_its_line(client, alice, boris, vera, friends):
    pair = services.start_conversation(starter=alice, members=[boris], text="Just us")
    group = services.start_conversation(starter=alice, members=[boris, vera], text="All of us")
    services.hide_conversation(user=boris, conversation=pair.conversation)
    services.leave_conversation(user=boris, conversation=group.conversation)
    assert [s for s, _q, _l in bell(client, boris)] == ["Alice A sent you a message"] * 2
