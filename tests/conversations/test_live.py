"""Conversations live through the page's single presence poll: new messages, "seen", and the
unread count beside the bell, with the poll's 304 path and its query budget kept."""

import re

import pytest

from apps.conversations import services
from apps.conversations.models import Participant
from apps.membership import services as membership
from apps.profiles.models import Profile
from apps.social import services as social

pytestmark = pytest.mark.django_db
# As static/js/presence.js sends it.
POLL = {"HX-Request": "true", "X-Background": "1"}


@pytest.fixture
def pair(alice, boris):
    """A conversation of alice and boris, who follow each other (no request)."""
    social.follow(follower=alice, followee=boris)
    social.follow(follower=boris, followee=alice)
    return services.start_conversation(starter=alice, members=[boris], text="Hello Boris")


def signed_in(client, user):
    client.force_login(user)
    return client


def poll(client, conversation=None, after=0, **headers):
    """The poll of a conversation's page (no Online now panel there): the header's badge,
    the bar's counts, and the conversation from `after` on."""
    params = {"u": ["alice", "boris"], "bell": "1"}
    if conversation is not None:
        params |= {"c": str(conversation.pk), "after": str(after)}
    return client.get("/presence/", params, headers=POLL | headers)


def appended(html: str) -> list[int]:
    """The ids of the messages the answer appends to the page's list, in order."""
    match = re.search(r'<ol hx-swap-oob="beforeend:#conversation-messages">(.*?)</ol>', html, re.S)
    return [int(pk) for pk in re.findall(r'id="message-(\d+)"', match.group(1))] if match else []


def seen_line(html: str) -> str | None:
    match = re.search(r'<p hx-swap-oob="innerHTML:#conversation-seen">(.*?)</p>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split()) if match else None


def unread_messages(html: str) -> int:
    """The messages link's badge, as the bar (or the poll's copy of it) shows it."""
    assert 'id="messages-link"' in html
    found = re.search(r"data-unread-messages>(\d+)<", html)
    return int(found.group(1)) if found else 0


def send(sender, conversation, text):
    return services.send_message(sender=sender, conversation=conversation, text=text)


# --- New messages ----------------------------------------------------------------------------


def test_a_new_message_reaches_the_open_conversation_with_the_next_poll(client, pair, alice,
                                                                        boris):  # fmt: skip
    conversation = pair.conversation
    signed_in(client, boris)
    assert appended(poll(client, conversation, after=pair.pk).content.decode()) == []
    reply = send(alice, conversation, "Are you <there>?")
    html = poll(client, conversation, after=pair.pk).content.decode()
    assert appended(html) == [reply.pk]
    assert "Are you &lt;there&gt;?" in html
    assert "Alice Liddell" in html


def test_only_messages_newer_than_the_pages_newest_come(client, pair, alice, boris):
    conversation = pair.conversation
    first, second = send(alice, conversation, "One"), send(alice, conversation, "Two")
    signed_in(client, boris)
    assert appended(poll(client, conversation, after=first.pk).content.decode()) == [second.pk]
    assert appended(poll(client, conversation, after=pair.pk).content.decode()) == [
        first.pk,
        second.pk,
    ]
    assert appended(poll(client, conversation, after=second.pk).content.decode()) == []


def test_messages_brought_by_the_poll_are_read_and_leave_the_unread_count(client, pair, alice,
                                                                          boris):  # fmt: skip
    conversation = pair.conversation
    reply = send(alice, conversation, "Read me")
    signed_in(client, boris)
    assert unread_messages(poll(client).content.decode()) == 1  # another page of his
    html = poll(client, conversation, after=pair.pk).content.decode()
    assert appended(html) == [reply.pk]
    assert unread_messages(html) == 0  # counted after the poll read them
    assert Participant.objects.get(conversation=conversation, user=boris).last_read_id == reply.pk


def test_a_members_own_message_from_another_tab_comes_without_a_form(client, pair, alice):
    """The poll runs without the CSRF middleware: its answer carries no token."""
    mine = send(alice, pair.conversation, "Sent from my phone")
    html = poll(signed_in(client, alice), pair.conversation, after=pair.pk).content.decode()
    assert appended(html) == [mine.pk]
    assert "Sent from my phone" in html
    assert "csrfmiddlewaretoken" not in html
    assert "Delete for everyone" not in html


def test_a_stranger_learns_nothing_from_naming_a_conversation(client, pair, carol):
    signed_in(client, carol)
    plain = poll(client)
    named = poll(client, pair.conversation, after=0)
    assert named.status_code == 200
    assert (named.content, named["ETag"]) == (plain.content, plain["ETag"])
    assert "Hello Boris" not in named.content.decode()


@pytest.mark.parametrize("value", ["x", "-1", "1" * 40, ""])
def test_a_malformed_conversation_or_position_is_ignored(client, pair, boris, value):
    signed_in(client, boris)
    params = {"bell": "1", "c": value, "after": "0"}
    response = client.get("/presence/", params, headers=POLL)
    assert response.status_code == 200
    assert "#conversation-messages" not in response.content.decode()
    params = {"bell": "1", "c": str(pair.conversation.pk), "after": value}
    response = client.get("/presence/", params, headers=POLL)
    assert "#conversation-messages" not in response.content.decode()


def test_a_member_who_left_a_group_gets_nothing_newer(client, alice, boris, carol):
    first = services.start_conversation(starter=alice, members=[boris, carol], text="Hi all")
    group = first.conversation
    services.leave_conversation(user=carol, conversation=group)
    send(alice, group, "After carol left")
    html = poll(signed_in(client, carol), group, after=first.pk).content.decode()
    assert "After carol left" not in html
    assert "#conversation-seen" not in html


def test_a_block_ends_the_live_conversation_of_two_for_both(client, pair, alice, boris):
    conversation = pair.conversation
    send(boris, conversation, "Last words")
    social.block(blocker=alice, blocked=boris)
    for member in (alice, boris):
        html = poll(signed_in(client, member), conversation, after=0).content.decode()
        assert "#conversation-messages" not in html, member
        assert "Last words" not in html


def test_in_a_group_a_blocked_members_messages_do_not_come(client, alice, boris, carol):
    first = services.start_conversation(starter=alice, members=[boris, carol], text="Hi all")
    group = first.conversation
    social.block(blocker=carol, blocked=boris)
    from_boris = send(boris, group, "From boris")
    from_alice = send(alice, group, "From alice")
    html = poll(signed_in(client, carol), group, after=first.pk).content.decode()
    assert appended(html) == [from_alice.pk]
    assert from_boris.pk not in appended(html)


def test_a_suspended_members_messages_neither_come_nor_count(client, alice, boris, carol):
    first = services.start_conversation(starter=alice, members=[boris, carol], text="Hi all")
    group = first.conversation
    services.accept_request(user=boris, conversation=group)
    services.mark_read(user=boris, conversation=group, up_to=first.pk)
    from_carol = send(carol, group, "Before my suspension")
    type(carol).objects.filter(pk=carol.pk).update(is_active=False)
    html = poll(signed_in(client, boris), group, after=first.pk).content.decode()
    assert from_carol.pk not in appended(html)
    assert "Before my suspension" not in html
    assert unread_messages(poll(client).content.decode()) == 0


def test_a_page_behind_on_messages_read_elsewhere_writes_nothing(
    client, pair, alice, boris, django_assert_num_queries
):
    reply = send(alice, pair.conversation, "Read on the phone")
    services.mark_read(user=boris, conversation=pair.conversation, up_to=reply.pk)
    signed_in(client, boris)
    poll(client)  # the session's first poll keeps boris online (a write)
    with django_assert_num_queries(6):  # the five, and the message
        html = poll(client, pair.conversation, after=pair.pk).content.decode()
    assert appended(html) == [reply.pk]


# --- Seen ------------------------------------------------------------------------------------


def test_seen_appears_once_the_other_member_has_read_the_newest_message(client, pair, boris):
    alice_client = signed_in(client, pair.sender)
    assert seen_line(poll(alice_client, pair.conversation, after=pair.pk).content.decode()) == ""
    boris_page = signed_in(type(client)(), boris)
    poll(boris_page, pair.conversation, after=0)  # boris's page reads it
    line = seen_line(poll(alice_client, pair.conversation, after=pair.pk).content.decode())
    assert line.startswith("Seen ")
    assert "UTC" in line  # the moment, which static/js/times.js says as "just now"


def test_a_member_who_hides_their_status_shows_no_seen(client, pair, boris):
    Profile.objects.filter(user=boris).update(presence_audience="nobody")
    services.mark_read(user=boris, conversation=pair.conversation, up_to=pair.pk)
    html = poll(signed_in(client, pair.sender), pair.conversation, after=pair.pk).content.decode()
    assert seen_line(html) == ""


def test_seen_is_about_the_viewers_own_newest_message(client, pair, alice, boris):
    """Boris wrote last: nothing to say to alice about him having seen his own message."""
    send(boris, pair.conversation, "My turn")
    html = poll(signed_in(client, alice), pair.conversation, after=0).content.decode()
    assert seen_line(html) == ""


def test_a_group_names_who_has_seen_it(client, alice, boris, carol):
    first = services.start_conversation(starter=alice, members=[boris, carol], text="Hi all")
    group = first.conversation
    for member in (boris, carol):
        services.accept_request(user=member, conversation=group)
        services.mark_read(user=member, conversation=group, up_to=first.pk)
    html = poll(signed_in(client, alice), group, after=first.pk).content.decode()
    assert seen_line(html) == "Seen by Boris Pasternak, Carol Shields"
    Profile.objects.filter(user=carol).update(presence_audience="nobody")
    html = poll(client, group, after=first.pk).content.decode()
    assert seen_line(html) == "Seen by Boris Pasternak"


# --- The 304 path ----------------------------------------------------------------------------


def test_an_unchanged_conversation_is_a_304_and_a_new_message_a_200(client, pair, alice, boris):
    conversation = pair.conversation
    signed_in(client, boris)
    etag = poll(client, conversation, after=pair.pk)["ETag"]
    assert poll(client, conversation, after=pair.pk, If_None_Match=etag).status_code == 304
    reply = send(alice, conversation, "News")
    changed = poll(client, conversation, after=pair.pk, If_None_Match=etag)
    assert changed.status_code == 200
    assert appended(changed.content.decode()) == [reply.pk]


def test_being_seen_changes_the_version(client, pair, boris):
    alice_client = signed_in(client, pair.sender)
    etag = poll(alice_client, pair.conversation, after=pair.pk)["ETag"]
    services.mark_read(user=boris, conversation=pair.conversation, up_to=pair.pk)
    changed = poll(alice_client, pair.conversation, after=pair.pk, If_None_Match=etag)
    assert changed.status_code == 200
    assert seen_line(changed.content.decode()).startswith("Seen")


# --- The query budget ------------------------------------------------------------------------


def test_the_conversation_pages_steady_poll_costs_what_the_feed_pages_does(
    client, pair, boris, django_assert_num_queries
):
    """Session, member, the badges, the conversation's state, the bar's two counts: the
    five queries of the feed page's poll (badges, online now, the counts)."""
    signed_in(client, boris)
    etag = poll(client, pair.conversation, after=pair.pk)["ETag"]
    with django_assert_num_queries(5):
        assert poll(client, pair.conversation, after=pair.pk).status_code == 200
    with django_assert_num_queries(5):
        response = poll(client, pair.conversation, after=pair.pk, If_None_Match=etag)
    assert response.status_code == 304
    feed_poll = {"u": ["alice", "boris"], "online": "1", "bell": "1"}
    with django_assert_num_queries(5):
        client.get("/presence/", feed_poll, headers=POLL)


def test_the_conversation_page_gives_its_poll_what_it_sends_and_no_online_now(client, pair, boris):
    """static/js/presence.js sends c= and after= from the list's data attributes, bell=1 for
    the bar, and online=1 only where the Online now panel is: not here."""
    html = signed_in(client, boris).get(pair.conversation.get_absolute_url()).content.decode()
    assert f'data-conversation="{pair.conversation_id}"' in html
    assert f'data-last-message="{pair.pk}"' in html
    assert 'id="conversation-seen"' in html
    assert 'id="notification-bell"' in html
    assert 'id="messages-link"' in html
    assert 'id="online-now"' not in html


@pytest.mark.parametrize("count", [1, 20])
def test_new_messages_cost_two_queries_more_however_many(
    client, pair, alice, boris, count, django_assert_num_queries
):
    """The messages with their senders (one), and marking them read (one), with the bell's
    line about them (one)."""
    for n in range(count):
        send(alice, pair.conversation, f"Message {n}")
    signed_in(client, boris)
    poll(client)  # the session's first poll keeps boris online (a write)
    with django_assert_num_queries(8):
        html = poll(client, pair.conversation, after=pair.pk).content.decode()
    assert len(appended(html)) == count


# --- The unread count beside the bell ---------------------------------------------------------


def test_the_bar_shows_how_many_conversations_hold_unread_messages(client, pair, alice, boris,
                                                                   carol):  # fmt: skip
    social.follow(follower=carol, followee=alice)
    services.start_conversation(starter=alice, members=[carol], text="Hi Carol")
    send(alice, pair.conversation, "And again")  # two messages, one conversation
    html = signed_in(client, boris).get("/").content.decode()
    assert unread_messages(html) == 1
    assert "1 conversation with unread messages" in html
    assert 'href="/messages/"' in html
    assert unread_messages(poll(signed_in(client, carol)).content.decode()) == 1
    assert unread_messages(poll(signed_in(client, alice)).content.decode()) == 0  # her own


def test_requests_are_not_counted_until_accepted(client, alice, boris):
    request = services.start_conversation(starter=alice, members=[boris], text="Hi stranger")
    signed_in(client, boris)
    assert unread_messages(poll(client).content.decode()) == 0
    services.accept_request(user=boris, conversation=request.conversation)
    assert unread_messages(poll(client).content.decode()) == 1


def test_a_muted_members_messages_count_for_nothing(client, pair, alice, boris, carol):
    social.mute(muter=boris, muted=alice)
    signed_in(client, boris)
    assert unread_messages(poll(client).content.decode()) == 0
    # In a group, carol's message still counts.
    group = services.start_conversation(starter=carol, members=[boris, alice], text="Group")
    services.accept_request(user=boris, conversation=group.conversation)
    assert unread_messages(poll(client).content.decode()) == 1


def test_messages_across_a_block_are_not_counted(client, alice, boris, carol):
    for member in (alice, carol):
        social.follow(follower=boris, followee=member)
    group = services.start_conversation(starter=alice, members=[boris, carol], text="Group")
    services.mark_read(user=boris, conversation=group.conversation, up_to=group.pk)
    social.block(blocker=boris, blocked=carol)
    send(carol, group.conversation, "Blocked words")
    signed_in(client, boris)
    assert unread_messages(poll(client).content.decode()) == 0
    send(alice, group.conversation, "Alice's words")
    assert unread_messages(poll(client).content.decode()) == 1


def test_hidden_left_read_and_deleted_leave_the_count(client, pair, alice, boris, carol):
    signed_in(client, boris)
    assert unread_messages(poll(client).content.decode()) == 1
    services.hide_conversation(user=boris, conversation=pair.conversation)
    assert unread_messages(poll(client).content.decode()) == 0
    later = send(alice, pair.conversation, "Back again")  # a newer message brings it back
    assert unread_messages(poll(client).content.decode()) == 1
    services.delete_message(user=alice, message=later)
    assert unread_messages(poll(client).content.decode()) == 0

    group = services.start_conversation(starter=alice, members=[boris, carol], text="Group")
    assert unread_messages(poll(client).content.decode()) == 1
    services.leave_conversation(user=boris, conversation=group.conversation)
    send(alice, group.conversation, "After boris left")
    assert unread_messages(poll(client).content.decode()) == 0


def test_a_deleted_members_messages_still_count(client, alice, boris, carol):
    group = services.start_conversation(starter=alice, members=[boris, carol], text="Group")
    services.accept_request(user=boris, conversation=group.conversation)
    membership.delete_account(user=alice)
    signed_in(client, boris)
    assert unread_messages(poll(client).content.decode()) == 1


def test_the_unread_count_changes_the_version(client, pair, alice, boris):
    services.mark_read(user=boris, conversation=pair.conversation, up_to=pair.pk)
    signed_in(client, boris)
    etag = poll(client)["ETag"]
    assert poll(client, If_None_Match=etag).status_code == 304
    send(alice, pair.conversation, "News")
    changed = poll(client, If_None_Match=etag)
    assert changed.status_code == 200
    assert unread_messages(changed.content.decode()) == 1
