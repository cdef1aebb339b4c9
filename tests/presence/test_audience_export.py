"""A member's data export holds their own presence settings (whom they show it to, their
appear-offline) and nothing of another member's presence or reading: no last seen, no
"seen" times, whatever they share."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.conversations import services as conversations
from apps.profiles.models import Profile
from apps.social import services as social
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
T0 = timezone.datetime(2026, 11, 25, 12, 0, tzinfo=timezone.UTC)
BORIS_SEEN = timezone.datetime(2026, 11, 20, 7, 13, 37, tzinfo=timezone.UTC)
BORIS_READ = timezone.datetime(2026, 11, 21, 8, 14, 38, tzinfo=timezone.UTC)


def export(client) -> dict[str, str]:
    """The export's text files, by name."""
    response = client.post("/settings/account/export/")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = [name for name in archive.namelist() if name.endswith((".json", ".txt"))]
    return {name: archive.read(name).decode() for name in names}


def test_an_export_holds_ones_own_presence_settings_and_no_other_members_presence(client):
    alice = UserFactory(username="alice")
    boris = UserFactory(username="boris")
    social.follow(follower=alice, followee=boris)
    social.follow(follower=boris, followee=alice)
    with time_machine.travel(BORIS_READ - timedelta(hours=1), tick=False):
        first = conversations.start_conversation(starter=alice, members=[boris], text="Hi")
    with time_machine.travel(BORIS_READ, tick=False):
        conversations.mark_read(user=boris, conversation=first.conversation, up_to=first.pk)
    Profile.objects.filter(user=boris).update(is_online=False, last_seen=BORIS_SEEN)
    Profile.objects.filter(user=alice).update(
        presence_audience="mutuals", offline_since=T0, offline_until=T0 + timedelta(hours=1)
    )
    client.force_login(alice)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=True):
        files = export(client)
    profile = json.loads(files["data.json"])["profile"]
    text = "\n".join(files.values())
    assert profile["presence_audience"] == "mutuals"
    assert profile["appear_offline_since"].startswith("2026-11-25T12:00:00")
    assert profile["appear_offline_until"].startswith("2026-11-25T13:00:00")
    assert "boris" in text  # the conversation is there, with whom
    for moment in (BORIS_SEEN, BORIS_READ):
        for form in (moment.isoformat(), moment.strftime("%H:%M:%S"), str(int(moment.timestamp()))):
            assert form not in text
