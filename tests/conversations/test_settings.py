"""Who may start a conversation with the member, at /settings/messages/."""

import re

import pytest
from django.test import Client

from apps.conversations.models import Message, Preferences, WhoMayWrite
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def checked(response) -> list[str]:
    """The values of the radio buttons the page shows as chosen."""
    html = response.content.decode()
    return re.findall(r'<input type="radio"[^>]*value="(\w+)"[^>]*\bchecked\b', html)


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_settings_need_a_signed_in_member(client):
    response = client.get("/settings/messages/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_everyone_is_chosen_until_the_member_changes_it(signed_in):
    response = signed_in.get("/settings/messages/")
    assert checked(response) == ["everyone"]
    html = response.content.decode()
    assert "Only people I follow" in html
    assert "Nobody" in html


def test_saving_a_choice_keeps_it_and_says_so(signed_in, user):
    response = signed_in.post("/settings/messages/", {"who_may_write": "followed"}, follow=True)
    assert "Message settings saved." in response.content.decode()
    assert Preferences.objects.get(user=user).who_may_write == WhoMayWrite.FOLLOWED
    assert checked(response) == ["followed"]


def test_an_unknown_choice_is_refused_and_nothing_changes(signed_in, user):
    response = signed_in.post("/settings/messages/", {"who_may_write": "friends"})
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not Preferences.objects.filter(user=user).exists()


def test_saving_needs_a_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post("/settings/messages/", {"who_may_write": "nobody"}).status_code == 403
    assert not Preferences.objects.exists()


def test_nobody_means_nobody_can_start_a_conversation(client, signed_in, user):
    signed_in.post("/settings/messages/", {"who_may_write": "nobody"})
    other = UserFactory(username="boris")
    client.force_login(other)
    response = client.post("/messages/new/", {"to": "alice", "text": "Hi"})
    assert "Alice Liddell does not accept messages." in response.content.decode()
    assert not Message.objects.exists()


def test_the_account_page_links_to_the_setting(signed_in):
    html = signed_in.get("/settings/account/").content.decode()
    assert 'href="/settings/messages/"' in html
    assert "Who may message you" in html
