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
