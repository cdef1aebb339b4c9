"""Conversations in a member's lifecycle: the data export (their conversations, their own
messages and images), account deletion (their messages stay for the others, from "deleted
member"; a conversation nobody is left in goes, images and all), and suspension (their
messages hidden until they are reinstated; nobody writes to them)."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from PIL import Image

from apps.conversations import services
from apps.conversations.models import Conversation, Message, Participant
from apps.moderation import services as moderation
from apps.social import services as social
from tests.factories import PASSWORD, UserFactory
from tests.images import image_bytes

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", first_name="Alice", last_name="A")


@pytest.fixture
def boris(db):
    return UserFactory(username="boris", first_name="Boris", last_name="B")


@pytest.fixture
def vera(db):
    return UserFactory(username="vera", first_name="Vera", last_name="V")


def log_in(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def export(client: Client) -> zipfile.ZipFile:
    response = client.post("/settings/account/export/")
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def delete_account(client: Client, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/settings/account/delete/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302


def stored_files(media_root) -> set[str]:
    return {p.name for p in Path(media_root).rglob("*") if p.is_file()}


# --- The export ------------------------------------------------------------------------------


def test_the_export_holds_the_members_conversations_and_their_own_messages_only(alice, boris, vera):
    pair = services.start_conversation(starter=alice, members=[boris], text="Hi Boris")
    services.send_message(sender=boris, conversation=pair.conversation, text="Boris's secret")
    group = services.start_conversation(
        starter=boris, members=[alice, vera], text="Hello all", title="Walks"
    )
    services.send_message(sender=alice, conversation=group.conversation, text="Sunday?")

    data = json.loads(export(log_in("alice")).read("data.json"))

    assert [(c["id"], c["group"], c["title"], c["with"]) for c in data["conversations"]] == [
        (pair.conversation_id, False, "", ["boris"]),
        (group.conversation_id, True, "Walks", ["boris", "vera"]),
    ]
    assert [(m["conversation"], m["text"]) for m in data["messages"]] == [
        (pair.conversation_id, "Hi Boris"),
        (group.conversation_id, "Sunday?"),
    ]
    assert "Boris's secret" not in json.dumps(data)  # what others wrote is theirs
    assert data["who_may_message"] == "everyone"


def test_the_export_holds_the_images_the_member_sent(alice, boris):
    mine = services.start_conversation(
        starter=alice, members=[boris], text="", image=image_bytes(), image_alt="A red square"
    )
    services.send_message(sender=boris, conversation=mine.conversation, text="",
                          image=image_bytes(colour=(0, 0, 200)))  # fmt: skip

    archive = export(log_in("alice"))

    data = json.loads(archive.read("data.json"))
    [message] = data["messages"]
    assert message["image"] == Path(mine.image.name).name
    assert message["image_alt"] == "A red square"
    assert [n for n in archive.namelist() if n.startswith("messages/")] == [
        f"messages/{message['image']}"
    ]
    with Image.open(io.BytesIO(archive.read(f"messages/{message['image']}"))) as copy:
        assert copy.size == (64, 48)
    assert f"messages/{message['image']}" in archive.read("README.txt").decode()


# --- Deleting an account ---------------------------------------------------------------------


def test_a_deleted_members_messages_stay_for_the_others_from_deleted_member(
    alice, boris, django_capture_on_commit_callbacks, media_root
):
    first = services.start_conversation(
        starter=alice, members=[boris], text="Remember me", image=image_bytes()
    )
    services.send_message(sender=boris, conversation=first.conversation, text="Always")

    delete_account(log_in("alice"), django_capture_on_commit_callbacks)

    assert not User.objects.filter(username="alice").exists()
    kept = Message.objects.get(pk=first.pk)
    assert (kept.sender, kept.text) == (None, "Remember me")
    assert Path(kept.image.name).name in stored_files(media_root)  # the others' copy stays
    page = log_in("boris").get(f"/messages/{first.conversation_id}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "deleted member" in html
    assert "Remember me" in html
    assert "Always" in html


def test_nobody_writes_to_a_deleted_member(alice, boris, django_capture_on_commit_callbacks):
    first = services.start_conversation(starter=alice, members=[boris], text="Bye")
    delete_account(log_in("alice"), django_capture_on_commit_callbacks)
    conversation = Conversation.objects.get(pk=first.conversation_id)
    assert services.refusal_to_send(boris, conversation) == "You cannot write in this conversation."


def test_a_conversation_nobody_is_left_in_goes_with_its_images(
    alice, boris, django_capture_on_commit_callbacks, media_root
):
    first = services.start_conversation(
        starter=alice, members=[boris], text="Ours", image=image_bytes()
    )
    services.send_message(sender=boris, conversation=first.conversation, text="",
                          image=image_bytes(colour=(0, 90, 0)))  # fmt: skip
    services.send_message(sender=alice, conversation=first.conversation, text="More")
    assert len(stored_files(media_root)) == 2

    delete_account(log_in("alice"), django_capture_on_commit_callbacks)
    assert Conversation.objects.filter(pk=first.conversation_id).exists()
    delete_account(log_in("boris"), django_capture_on_commit_callbacks)

    assert not Conversation.objects.filter(pk=first.conversation_id).exists()
    assert not Message.objects.exists()
    assert stored_files(media_root) == set()


def test_a_group_goes_on_without_a_deleted_member(
    alice, boris, vera, django_capture_on_commit_callbacks
):
    group = services.start_conversation(starter=alice, members=[boris, vera], text="Hi all")
    delete_account(log_in("alice"), django_capture_on_commit_callbacks)
    services.send_message(sender=boris, conversation=group.conversation, text="Still here")
    members = Participant.objects.filter(conversation_id=group.conversation_id)
    assert sorted(members.values_list("user__username", flat=True)) == ["boris", "vera"]


# --- Suspension ------------------------------------------------------------------------------


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


def test_a_suspended_members_messages_are_hidden_until_they_are_reinstated(alice, boris, admin):
    first = services.start_conversation(starter=alice, members=[boris], text="Buy watches")
    services.send_message(sender=boris, conversation=first.conversation, text="No thanks")
    url = f"/messages/{first.conversation_id}/"
    client = log_in("boris")

    moderation.suspend(moderator=admin, member=alice, reason="Spam", thing=None)
    html = client.get(url).content.decode()
    assert "Buy watches" not in html
    assert "No thanks" in html

    moderation.reinstate(moderator=admin, member=alice, reason="Sorted out")
    assert "Buy watches" in client.get(url).content.decode()


def test_nobody_writes_to_a_suspended_member(alice, boris, admin):
    first = services.start_conversation(starter=alice, members=[boris], text="Hi")
    moderation.suspend(moderator=admin, member=alice, reason="Spam", thing=None)
    with pytest.raises(services.CannotWrite, match=r"Alice A cannot receive messages\."):
        services.send_message(sender=boris, conversation=first.conversation, text="Hello?")
    response = log_in("boris").post(f"/messages/{first.conversation_id}/send/", {"text": "Hi?"})
    assert "Alice A cannot receive messages." in response.content.decode()
    assert Message.objects.count() == 1


def test_a_group_goes_on_without_telling_a_suspended_member(alice, boris, vera, admin):
    for one, other in ((boris, alice), (vera, alice), (alice, boris)):
        social.follow(follower=one, followee=other)
    group = services.start_conversation(starter=alice, members=[boris, vera], text="Hi all")
    moderation.suspend(moderator=admin, member=boris, reason="Spam", thing=None)
    services.send_message(sender=vera, conversation=group.conversation, text="Just us now")
    assert not boris.notifications.filter(kind="message", actor=vera).exists()
