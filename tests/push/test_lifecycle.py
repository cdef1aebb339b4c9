"""A browser gets a member's push notifications only while it is signed in as them, and only
while they have an account: sessions ending, by any road, and account deletion remove its
subscription; the data export lists them."""

import io
import json
import zipfile

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client

from apps.accounts import services as accounts
from apps.membership import services as membership
from apps.moderation import services as moderation
from apps.push.models import Message, MutedKind, Preferences, Subscription
from tests.factories import PASSWORD, UserFactory
from tests.push.conftest import browser_subscription, log_in

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "another-long-pass-77"


def subscribed(username: str) -> tuple[Client, Subscription]:
    client = log_in(username)
    body = browser_subscription() | {"timeZone": "Europe/Moscow"}
    response = client.post(
        "/settings/notifications/push/subscribe/",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 200
    return client, Subscription.objects.get(endpoint=body["endpoint"])


def test_logging_out_removes_this_browsers_subscription_only(alice):
    laptop, on_laptop = subscribed("alice")
    _phone, on_phone = subscribed("alice")
    laptop.post("/accounts/logout/")
    assert list(Subscription.objects.all()) == [on_phone]
    assert on_laptop.pk not in Subscription.objects.values_list("pk", flat=True)


def test_ending_a_session_from_the_sessions_page_removes_its_subscription(alice):
    laptop, on_laptop = subscribed("alice")
    _phone, on_phone = subscribed("alice")
    phone_session = UserSession.objects.get(session_key=on_phone.session_key)
    laptop.post("/accounts/sessions/end/", {"session": phone_session.pk})
    assert list(Subscription.objects.all()) == [on_laptop]


def test_signing_out_the_other_sessions_removes_their_subscriptions(alice):
    laptop, on_laptop = subscribed("alice")
    subscribed("alice")
    subscribed("alice")
    laptop.post("/accounts/sessions/")
    assert list(Subscription.objects.all()) == [on_laptop]


def test_signing_out_everywhere_removes_every_subscription(alice):
    subscribed("alice")
    subscribed("alice")
    accounts.end_sessions(user=alice)
    assert not Subscription.objects.exists()


def test_a_suspension_removes_the_members_subscriptions_and_keeps_their_settings(alice):
    subscribed("alice")
    # A browser whose session has no record (signed in before sessions were recorded).
    Subscription.objects.create(user=alice, endpoint="https://push.example/1", p256dh="x", auth="y")
    MutedKind.objects.create(user=alice, kind="like")
    moderator = UserFactory(username="mod", is_superuser=True)
    moderation.suspend(moderator=moderator, member=alice, reason="Spam", thing=None)
    assert not Subscription.objects.exists()
    assert MutedKind.objects.filter(user=alice).exists()


def test_a_password_change_keeps_this_browsers_subscription(alice):
    client, subscription = subscribed("alice")
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.session_key == client.session.session_key
    # The old session's record goes at the next sign-in; the subscription stays.
    log_in_again = Client()
    assert (
        log_in_again.post(
            "/accounts/login/", {"login": "alice", "password": NEW_PASSWORD}
        ).status_code
        == 302
    )
    assert Subscription.objects.filter(pk=subscription.pk).exists()


def test_the_export_lists_subscriptions_by_push_service_and_the_settings(alice):
    client, subscription = subscribed("alice")
    client.post("/settings/notifications/push/preferences/", {
        "push-kinds": ["follow"], "push-quiet_from": "23:00", "push-quiet_until": "08:00",
    })  # fmt: skip
    response = client.post("/settings/account/export/")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))
    [exported] = data["push_subscriptions"]
    assert exported["device"] == "Chrome on Linux"
    assert exported["push_service"] == "fcm.googleapis.com"
    assert subscription.endpoint not in json.dumps(data)  # the address itself is a capability
    assert data["push_settings"] == {
        "muted_kinds": ["comment", "like", "mention", "message", "reply"],
        "quiet_from": "23:00:00",
        "quiet_until": "08:00:00",
        "time_zone": "Europe/Moscow",
    }


def test_deleting_the_account_forgets_everything_push_holds(alice):
    _client, subscription = subscribed("alice")
    Message.objects.create(subscription=subscription, key="like:1", payload={"title": "x"})
    MutedKind.objects.create(user=alice, kind="like")
    membership.delete_account(user=alice)
    assert not Subscription.objects.exists()
    assert not Message.objects.exists()
    assert not MutedKind.objects.exists()
    assert not Preferences.objects.exists()


def test_forgetting_a_member_leaves_others_alone(alice, bob):
    subscribed("alice")
    subscribed("bob")
    membership.delete_account(user=alice)
    assert list(Subscription.objects.values_list("user__username", flat=True)) == ["bob"]
