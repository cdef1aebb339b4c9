"""Starting a conversation at /messages/new/, the Message button on profiles, and adding
people to a group at /messages/<id>/members/."""

import uuid

import pytest
from django.test import Client

from apps.conversations import services
from apps.conversations.models import Conversation, Message, Participant, WhoMayWrite
from apps.social import services as social
from tests.factories import UserFactory
from tests.images import image_bytes, upload

pytestmark = pytest.mark.django_db


def errors(response) -> str:
    """The form's error messages as the page shows them under its fields."""
    html = response.content.decode()
    return " ".join(part.split("</strong>")[0] for part in html.split("<strong>")[1:])


# --- The form ---------------------------------------------------------------------------------


def test_the_form_needs_a_signed_in_member(client):
    response = client.get("/messages/new/?to=boris")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_to_fills_in_the_member_and_people_followed_are_suggested(signed_in, alice, boris, clara):
    social.follow(follower=alice, followee=clara)
    html = signed_in.get("/messages/new/?to=boris").content.decode()
    assert 'name="to" value="boris"' in html
    assert '<datalist id="people-you-follow">' in html
    assert '<option value="clara">' in html
    assert "not end-to-end encrypted" in html


def test_to_a_member_already_written_to_goes_to_that_conversation(signed_in, alice, boris):
    message = services.start_conversation(starter=boris, members=[alice], text="Hi")
    response = signed_in.get("/messages/new/?to=Boris")
    assert response.status_code == 302
    assert response["Location"] == f"/messages/{message.conversation_id}/"


def test_writing_to_one_member_starts_a_conversation_of_two(signed_in, alice, boris):
    response = signed_in.post("/messages/new/", {"to": "@boris", "text": "Hello Boris"})
    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/messages/{message.conversation_id}/"
    assert message.sender == alice
    assert message.text == "Hello Boris"
    assert not message.conversation.is_group
    # Boris does not follow Alice: it waits in his Requests.
    assert not Participant.objects.get(user=boris).accepted


def test_writing_to_several_members_starts_a_named_group(signed_in, alice, boris, clara):
    signed_in.post("/messages/new/", {"to": "boris, @clara", "title": "Trio", "text": "Hi both"})
    conversation = Conversation.objects.get()
    assert conversation.is_group
    assert conversation.title == "Trio"
    assert conversation.starter == alice
    assert set(conversation.participants.values_list("user__username", flat=True)) == {
        "alice",
        "boris",
        "clara",
    }


def test_a_title_for_one_member_is_ignored(signed_in, boris):
    signed_in.post("/messages/new/", {"to": "boris", "title": "Ours", "text": "Hi"})
    assert Conversation.objects.get().title == ""


def test_the_first_message_may_be_an_image(signed_in):
    UserFactory(username="boris")
    response = signed_in.post(
        "/messages/new/",
        {"to": "boris", "text": "", "image": upload(image_bytes()), "image_alt": "A red square"},
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.image.name.startswith(f"private/messages/{message.conversation_id}/")
    assert message.image_alt == "A red square"


def test_an_empty_message_is_refused(signed_in, boris):
    response = signed_in.post("/messages/new/", {"to": "boris", "text": "  "})
    assert response.status_code == 200
    assert "Write a message or choose an image." in errors(response)
    assert not Conversation.objects.exists()


def test_unknown_suspended_and_own_handles_are_each_refused_by_name(signed_in, boris):
    # A suspended member reads as unknown, as their profile page does (a 404).
    UserFactory(username="gone", first_name="Gone", last_name="Away", is_active=False)
    response = signed_in.post("/messages/new/", {"to": "nobody, gone, alice", "text": "Hi"})
    shown = errors(response)
    assert "No member is called @nobody." in shown
    assert "No member is called @gone." in shown
    assert "Gone Away" not in shown
    assert "You cannot write to yourself." in shown
    assert not Conversation.objects.exists()
    # What was typed stays in the form.
    assert 'value="nobody, gone, alice"' in response.content.decode()


def test_more_than_nine_others_is_refused(signed_in):
    handles = [UserFactory().username for _ in range(10)]
    response = signed_in.post("/messages/new/", {"to": ", ".join(handles), "text": "Hi"})
    assert "Choose at most 9 members." in errors(response)
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    ("setting", "sentence"),
    [
        (WhoMayWrite.NOBODY, "Boris Pasternak does not accept messages."),
        (WhoMayWrite.FOLLOWED, "Boris Pasternak accepts messages only from people they follow."),
    ],
)
def test_a_members_setting_refuses_with_a_sentence_naming_them(signed_in, boris, setting, sentence):
    services.save_preferences(user=boris, who_may_write=setting)
    response = signed_in.post("/messages/new/", {"to": "boris", "text": "Hi"})
    assert response.status_code == 200
    assert sentence in errors(response)
    assert not Message.objects.exists()


def test_followed_only_lets_people_they_follow_write(signed_in, alice, boris):
    services.save_preferences(user=boris, who_may_write=WhoMayWrite.FOLLOWED)
    social.follow(follower=boris, followee=alice)
    assert signed_in.post("/messages/new/", {"to": "boris", "text": "Hi"}).status_code == 302
    assert Participant.objects.get(user=boris).accepted  # he follows her: straight to his inbox


def test_a_block_either_way_refuses_in_the_same_words(signed_in, alice, boris):
    social.block(blocker=boris, blocked=alice)
    response = signed_in.post("/messages/new/", {"to": "boris", "text": "Hi"})
    assert "You cannot write to Boris Pasternak." in errors(response)
    assert not Message.objects.exists()


def test_a_refusal_in_a_group_names_the_member_and_starts_nothing(signed_in, boris, clara):
    services.save_preferences(user=clara, who_may_write=WhoMayWrite.NOBODY)
    response = signed_in.post("/messages/new/", {"to": "boris, clara", "text": "Hi"})
    assert "Clara Schumann does not accept messages." in errors(response)
    assert not Conversation.objects.exists()


def test_the_same_form_sent_twice_makes_one_group(signed_in, boris, clara):
    data = {"to": "boris, clara", "text": "Hi", "client_token": str(uuid.uuid4())}
    first = signed_in.post("/messages/new/", data)
    second = signed_in.post("/messages/new/", data)
    assert first["Location"] == second["Location"]
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 1


def test_starting_needs_a_csrf_token(alice, boris):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/messages/new/", {"to": "boris", "text": "Hi"})
    assert response.status_code == 403
    assert not Message.objects.exists()


def test_starting_too_often_keeps_the_form_and_says_why(signed_in, settings, rate_window):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "start_conversation": "1/m/user"}
    UserFactory(username="boris")
    UserFactory(username="dora")
    assert signed_in.post("/messages/new/", {"to": "boris", "text": "One"}).status_code == 302
    response = signed_in.post("/messages/new/", {"to": "dora", "text": "Two"})
    assert response.status_code == 429
    assert "too often" in response.content.decode()
    assert 'value="dora"' in response.content.decode()
    assert Message.objects.count() == 1


# --- The Message button on profiles -----------------------------------------------------------


def test_a_profile_offers_a_message_button_to_signed_in_members(signed_in, boris):
    html = signed_in.get("/u/boris/").content.decode()
    assert 'href="/messages/new/?to=boris"' in html


def test_no_message_button_for_visitors_on_ones_own_profile_or_across_a_block(client, alice, boris):
    assert "data-message-button" not in client.get("/u/boris/").content.decode()
    client.force_login(alice)
    assert "data-message-button" not in client.get("/u/alice/").content.decode()
    social.block(blocker=boris, blocked=alice)
    assert "data-message-button" not in client.get("/u/boris/").content.decode()


# --- Adding people to a group -----------------------------------------------------------------


@pytest.fixture
def group(alice, boris):
    return services.start_conversation(
        starter=alice, members=[boris, UserFactory()], text="Hi", title="Club"
    ).conversation


def test_the_starter_adds_people_to_the_group(signed_in, group, clara):
    page = signed_in.get(f"/messages/{group.pk}/members/")
    assert page.status_code == 200
    assert 'id="add-members"' in page.content.decode()
    response = signed_in.post(f"/messages/{group.pk}/members/", {"members": "@clara"}, follow=True)
    assert "Clara Schumann was added." in response.content.decode()
    assert Participant.objects.filter(conversation=group, user=clara, left__isnull=True).exists()


def test_another_member_sees_the_members_but_cannot_add(client, group, boris, clara):
    client.force_login(boris)
    page = client.get(f"/messages/{group.pk}/members/")
    assert page.status_code == 403
    html = page.content.decode()
    assert "Only the member who started this group can add people to it." in html
    assert 'id="add-members"' not in html
    response = client.post(f"/messages/{group.pk}/members/", {"members": "clara"})
    assert response.status_code == 403
    assert not Participant.objects.filter(user=clara).exists()


def test_someone_outside_the_group_gets_a_404(client, group, clara):
    client.force_login(clara)
    assert client.get(f"/messages/{group.pk}/members/").status_code == 404
    assert client.post(f"/messages/{group.pk}/members/", {"members": "clara"}).status_code == 404


def test_a_group_holds_at_most_ten(signed_in, group):
    handles = [UserFactory().username for _ in range(8)]
    response = signed_in.post(f"/messages/{group.pk}/members/", {"members": ", ".join(handles)})
    assert "A group has at most 10 members." in errors(response)
    assert group.participants.count() == 3


def test_adding_someone_who_accepts_no_messages_is_refused_by_name(signed_in, group, clara):
    services.save_preferences(user=clara, who_may_write=WhoMayWrite.NOBODY)
    response = signed_in.post(f"/messages/{group.pk}/members/", {"members": "clara"})
    assert "Clara Schumann does not accept messages." in errors(response)


def test_adding_needs_a_csrf_token(alice, group, clara):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(f"/messages/{group.pk}/members/", {"members": "clara"}).status_code == 403
    assert not Participant.objects.filter(user=clara).exists()


def test_the_members_page_costs_the_same_however_many_members(
    signed_in, alice, group, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        signed_in.get(f"/messages/{group.pk}/members/")
    services.add_members(by=alice, conversation=group, members=[UserFactory() for _ in range(5)])
    with django_assert_max_num_queries(len(few)):
        signed_in.get(f"/messages/{group.pk}/members/")
