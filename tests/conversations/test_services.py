"""The conversations' writes: who may write to whom, requests, groups, deletion."""

import pytest

from apps.conversations import services
from apps.conversations.models import Participant, WhoMayWrite
from apps.social import services as social
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def boris(db):
    return UserFactory(username="boris")


def test_two_members_have_one_conversation_however_often_either_starts_one(alice, boris):
    first = services.start_conversation(starter=alice, members=[boris], text="Hi")
    second = services.start_conversation(starter=boris, members=[alice], text="Hello")
    assert first.conversation_id == second.conversation_id
    first.conversation.refresh_from_db()
    assert first.conversation.last_message_id == second.pk


def test_a_first_message_from_someone_not_followed_waits_in_requests(alice, boris):
    message = services.start_conversation(starter=alice, members=[boris], text="Hi")
    theirs = Participant.objects.get(conversation=message.conversation, user=boris)
    assert theirs.accepted is False
    services.send_message(sender=boris, conversation=message.conversation, text="Who is this?")
    theirs.refresh_from_db()
    assert theirs.accepted is True


def test_a_block_ends_the_conversation_for_both(alice, boris):
    message = services.start_conversation(starter=alice, members=[boris], text="Hi")
    social.block(blocker=boris, blocked=alice)
    for sender in (alice, boris):
        with pytest.raises(services.CannotWrite):
            services.send_message(sender=sender, conversation=message.conversation, text="x")


def test_nobody_may_start_with_a_member_who_accepts_no_messages(alice, boris):
    services.save_preferences(user=boris, who_may_write=WhoMayWrite.NOBODY)
    with pytest.raises(services.CannotWrite, match="does not accept messages"):
        services.start_conversation(starter=alice, members=[boris], text="Hi")


def test_a_declined_request_stops_once_its_recipient_takes_no_messages(alice, boris):
    message = services.start_conversation(starter=alice, members=[boris], text="Hi")
    services.hide_conversation(user=boris, conversation=message.conversation)
    services.save_preferences(user=boris, who_may_write=WhoMayWrite.NOBODY)
    with pytest.raises(services.CannotWrite, match="does not accept messages"):
        services.send_message(sender=alice, conversation=message.conversation, text="Again")
    with pytest.raises(services.CannotWrite, match="does not accept messages"):
        services.start_conversation(starter=alice, members=[boris], text="And again")


def test_a_request_never_tells_its_sender_it_was_seen(alice, boris):
    from apps.conversations import selectors

    message = services.start_conversation(starter=alice, members=[boris], text="Hi")
    services.mark_read(user=boris, conversation=message.conversation, up_to=message.pk)
    state = selectors.live_state(message.conversation_id, alice)
    assert state.seen == ()
    services.accept_request(user=boris, conversation=message.conversation)
    assert [p.user_id for p in selectors.live_state(message.conversation_id, alice).seen] == [
        boris.pk
    ]


def test_members_a_block_keeps_apart_are_not_put_in_one_group(alice, boris):
    carol, dan = UserFactory(username="carol"), UserFactory(username="dan")
    social.block(blocker=boris, blocked=carol)
    with pytest.raises(services.CannotWrite, match="cannot be in a group with these members"):
        services.start_conversation(starter=alice, members=[boris, carol], text="Hi all")
    group = services.start_conversation(starter=alice, members=[boris, dan], text="Hi").conversation
    with pytest.raises(services.CannotWrite, match="cannot be in a group"):
        services.add_members(by=alice, conversation=group, members=[carol])
    assert not Participant.objects.filter(user=carol).exists()
