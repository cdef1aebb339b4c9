"""The list of conversations at /messages/ and its Requests tab, as a member reads them."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.conversations import services
from apps.conversations.models import Participant
from apps.social import services as social
from tests.factories import UserFactory
from tests.images import image_bytes

pytestmark = pytest.mark.django_db


def rows(response) -> list[dict[str, str]]:
    """The conversations a page lists: id, name, preview and unread count, in order."""
    html = response.content.decode()
    found = []
    for item in re.findall(r'<li class="[^"]*conversation-row.*?</li>', html, re.S):
        found.append(
            {
                "id": re.search(r'data-conversation="(\d+)"', item)[1],
                "name": re.search(r"stretched-link[^>]*>\s*([^<]*?)\s*</a>", item, re.S)[1],
                "preview": " ".join(
                    re.search(r'<p class="mb-0 text-truncate[^>]*>(.*?)</p>', item, re.S)[1].split()
                ),
                "unread": re.search(r'data-unread="(\d+)"', item)[1],
                "ended": "Ended" in item,
                "bold": "fw-bold" in item,
            }
        )
    return found


def test_the_list_needs_a_signed_in_member(client):
    response = client.get("/messages/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_list_is_read_only(signed_in):
    assert signed_in.post("/messages/").status_code == 405


def test_conversations_are_listed_newest_message_first(signed_in, alice, boris, clara):
    with_boris = services.start_conversation(starter=alice, members=[boris], text="Hi Boris")
    services.start_conversation(starter=alice, members=[clara], text="Hi Clara")
    services.send_message(sender=alice, conversation=with_boris.conversation, text="Again")
    listed = rows(signed_in.get("/messages/"))
    assert [row["name"] for row in listed] == ["Boris Pasternak", "Clara Schumann"]
    assert listed[0]["preview"] == "You: Again"


def test_a_message_from_someone_not_followed_lands_in_requests_with_a_count(
    signed_in, alice, boris
):
    services.start_conversation(starter=boris, members=[alice], text="Hello stranger")
    assert rows(signed_in.get("/messages/")) == []
    response = signed_in.get("/messages/requests/")
    assert [row["name"] for row in rows(response)] == ["Boris Pasternak"]
    assert re.search(r"data-requests-count>\s*1\b", response.content.decode())
    # The Inbox tab shows the count too.
    assert re.search(r"data-requests-count>\s*1\b", signed_in.get("/messages/").content.decode())


def test_someone_followed_writes_straight_to_the_inbox(signed_in, alice, boris):
    social.follow(follower=alice, followee=boris)
    services.start_conversation(starter=boris, members=[alice], text="Hello friend")
    assert [row["name"] for row in rows(signed_in.get("/messages/"))] == ["Boris Pasternak"]
    assert rows(signed_in.get("/messages/requests/")) == []


def test_an_accepted_request_moves_to_the_inbox(signed_in, alice, boris):
    message = services.start_conversation(starter=boris, members=[alice], text="Hello")
    services.accept_request(user=alice, conversation=message.conversation)
    assert len(rows(signed_in.get("/messages/"))) == 1
    assert "data-requests-count" not in signed_in.get("/messages/").content.decode()


def test_unread_counts_only_others_messages_newer_than_read(signed_in, alice, boris):
    social.follow(follower=alice, followee=boris)
    first = services.start_conversation(starter=boris, members=[alice], text="One")
    conversation = first.conversation
    services.send_message(sender=boris, conversation=conversation, text="Two")
    [row] = rows(signed_in.get("/messages/"))
    assert row["unread"] == "2"
    assert row["bold"]
    services.mark_read(user=alice, conversation=conversation, up_to=first.pk)
    assert rows(signed_in.get("/messages/"))[0]["unread"] == "1"
    services.send_message(sender=alice, conversation=conversation, text="Mine")
    [row] = rows(signed_in.get("/messages/"))
    assert row["unread"] == "0"
    assert not row["bold"]
    assert row["preview"] == "You: Mine"


def test_a_deleted_message_is_not_unread_and_reads_as_deleted(signed_in, alice, boris):
    social.follow(follower=alice, followee=boris)
    message = services.start_conversation(starter=boris, members=[alice], text="Oops")
    services.delete_message(user=boris, message=message)
    [row] = rows(signed_in.get("/messages/"))
    assert row["unread"] == "0"
    assert row["preview"] == "Message deleted"


def test_an_image_without_text_reads_as_a_photo(signed_in, alice, boris):
    social.follow(follower=alice, followee=boris)
    services.start_conversation(starter=boris, members=[alice], text="", image=image_bytes())
    assert rows(signed_in.get("/messages/"))[0]["preview"] == "Photo"


def test_a_muted_member_adds_nothing_to_the_unread_count(signed_in, alice, boris):
    social.follow(follower=alice, followee=boris)
    services.start_conversation(starter=boris, members=[alice], text="Listen")
    social.mute(muter=alice, muted=boris)
    [row] = rows(signed_in.get("/messages/"))
    assert row["unread"] == "0"
    assert row["preview"] == "Listen"  # still listed, only quiet


def test_a_hidden_conversation_leaves_the_list_until_someone_writes(signed_in, alice, boris):
    social.follow(follower=alice, followee=boris)
    message = services.start_conversation(starter=boris, members=[alice], text="Hi")
    conversation = message.conversation
    services.hide_conversation(user=alice, conversation=conversation)
    assert rows(signed_in.get("/messages/")) == []
    services.send_message(sender=boris, conversation=conversation, text="Still there?")
    [row] = rows(signed_in.get("/messages/"))
    assert row["preview"] == "Still there?"
    assert row["unread"] == "1"


def test_a_group_left_is_not_listed(signed_in, alice, boris, clara):
    message = services.start_conversation(
        starter=boris, members=[alice, clara], text="Welcome", title="Choir"
    )
    services.accept_request(user=alice, conversation=message.conversation)
    assert [row["name"] for row in rows(signed_in.get("/messages/"))] == ["Choir"]
    services.leave_conversation(user=alice, conversation=message.conversation)
    services.send_message(sender=boris, conversation=message.conversation, text="Bye")
    assert rows(signed_in.get("/messages/")) == []


def test_a_group_without_title_shows_the_others_names_and_who_wrote(signed_in, alice, boris, clara):
    social.follow(follower=alice, followee=boris)
    social.follow(follower=alice, followee=clara)
    message = services.start_conversation(starter=boris, members=[alice, clara], text="Hi all")
    [row] = rows(signed_in.get("/messages/"))
    assert row["name"] == "Boris Pasternak, Clara Schumann"
    assert row["preview"] == "Boris Pasternak: Hi all"
    assert row["id"] == str(message.conversation_id)


def test_a_block_ends_the_conversation_for_the_blocker_and_hides_it_from_the_blocked(
    client, alice, boris
):
    social.follow(follower=alice, followee=boris)
    services.start_conversation(starter=boris, members=[alice], text="Hi")
    services.accept_request(
        user=boris, conversation=Participant.objects.get(user=boris).conversation
    )
    social.block(blocker=alice, blocked=boris)
    client.force_login(alice)
    [row] = rows(client.get("/messages/"))
    assert row["ended"]
    assert 'data-presence="boris"' not in client.get("/messages/").content.decode()
    client.force_login(boris)
    assert rows(client.get("/messages/")) == []
    assert rows(client.get("/messages/requests/")) == []


def test_in_a_group_messages_across_a_block_are_not_counted_or_quoted(
    signed_in, alice, boris, clara
):
    social.follow(follower=alice, followee=clara)
    message = services.start_conversation(starter=clara, members=[alice, boris], text="Hi")
    services.accept_request(user=alice, conversation=message.conversation)
    social.block(blocker=alice, blocked=boris)
    services.send_message(sender=boris, conversation=message.conversation, text="Secret")
    [row] = rows(signed_in.get("/messages/"))
    assert row["unread"] == "1"  # Clara's only
    assert "Secret" not in row["preview"]


def test_a_page_of_conversations_loads_more_without_repeats(signed_in, alice):
    for n in range(32):
        services.start_conversation(
            starter=alice, members=[UserFactory(username=f"friend{n:02}")], text=f"Hi {n}"
        )
    first = signed_in.get("/messages/")
    listed = rows(first)
    assert len(listed) == 30
    more = re.search(r'<a class="btn[^"]*" href="([^"]+)">Load more</a>', first.content.decode())
    fragment = signed_in.get(more[1].replace("&amp;", "&"), HTTP_HX_REQUEST="true")
    rest = rows(fragment)
    assert len(rest) == 2
    assert "<html" not in fragment.content.decode()
    assert {r["id"] for r in listed}.isdisjoint({r["id"] for r in rest})
    assert [r["preview"] for r in rest] == ["You: Hi 1", "You: Hi 0"]


def test_a_made_up_page_link_is_a_400(signed_in):
    assert signed_in.get("/messages/?after=nonsense").status_code == 400


def _conversations_with(alice, count: int) -> None:
    for _ in range(count):
        other = UserFactory()
        social.follow(follower=alice, followee=other)
        services.start_conversation(starter=other, members=[alice], text="Hello")


def test_the_list_costs_the_same_for_3_and_25_conversations(
    signed_in, alice, clara, django_assert_max_num_queries
):
    group = services.start_conversation(starter=clara, members=[alice, UserFactory()], text="G")
    services.accept_request(user=alice, conversation=group.conversation)
    _conversations_with(alice, 2)
    signed_in.get("/messages/")
    with CaptureQueriesContext(connection) as few:
        assert len(rows(signed_in.get("/messages/"))) == 3
    _conversations_with(alice, 22)
    with CaptureQueriesContext(connection) as many:
        assert len(rows(signed_in.get("/messages/"))) == 25
    assert len(many) == len(few)
    with django_assert_max_num_queries(len(few)):
        signed_in.get("/messages/requests/")


def test_a_suspended_members_messages_are_neither_counted_nor_quoted(signed_in, alice, boris):
    social.follow(follower=alice, followee=boris)
    services.start_conversation(starter=boris, members=[alice], text="Buy my stuff")
    type(boris).objects.filter(pk=boris.pk).update(is_active=False)
    [row] = rows(signed_in.get("/messages/"))
    assert row["unread"] == "0"
    assert "Buy my stuff" not in row["preview"]
