"""Turning push on and off in a browser, the device list, the kinds pushed and quiet hours,
through the notification settings page and the push section's own addresses."""

import base64
import json
import re
from datetime import time

import pytest
from django.test import Client

from apps.push.models import MutedKind, Preferences, Subscription
from apps.social.models import MutedKind as BellMutedKind
from tests.push.conftest import b64url, browser_subscription, log_in

pytestmark = pytest.mark.django_db

SUBSCRIBE = "/settings/notifications/push/subscribe/"
UNSUBSCRIBE = "/settings/notifications/push/unsubscribe/"
PREFERENCES = "/settings/notifications/push/preferences/"
SETTINGS = "/settings/notifications/"


def subscribe(client: Client, body: dict, **extra) -> object:
    return client.post(SUBSCRIBE, json.dumps(body), content_type="application/json", **extra)


# --- The page -------------------------------------------------------------------------------


def test_the_notification_settings_page_has_the_push_section(alice, django_assert_max_num_queries):
    client = log_in("alice")
    with django_assert_max_num_queries(14):
        html = client.get(SETTINGS).content.decode()
    assert "Push notifications on this device" in html
    assert "Turn on for this browser" in html
    assert 'src="/static/js/push.js"' in html
    assert "No device gets push notifications from you yet." in html
    # The public key browsers subscribe with: a 65-byte uncompressed point.
    key = re.search(r'data-public-key="([A-Za-z0-9_-]+)"', html).group(1)
    assert len(base64.urlsafe_b64decode(key + "=")) == 65


def test_the_device_list_costs_the_same_for_many_devices(alice, django_assert_max_num_queries):
    client = log_in("alice")
    for _ in range(8):
        subscribe(client, browser_subscription())
    with django_assert_max_num_queries(14):
        html = client.get(SETTINGS).content.decode()
    assert html.count("data-push-device=") == 8


def test_without_a_key_in_production_the_page_says_push_is_off(alice, settings):
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_DEVELOPMENT_KEY_FILE = None
    client = log_in("alice")
    html = client.get(SETTINGS).content.decode()
    assert "Push notifications are not set up on this site" in html
    assert "data-push-on" not in html
    response = subscribe(client, browser_subscription())
    assert response.status_code == 409
    assert not Subscription.objects.exists()


def test_the_push_section_has_a_page_of_its_own_and_a_fragment(alice):
    client = log_in("alice")
    page = client.get("/settings/notifications/push/")
    assert page.status_code == 200
    assert "<html" in page.content.decode()
    fragment = client.get("/settings/notifications/push/", headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith('<section id="push"')


# --- Subscribing ----------------------------------------------------------------------------


def test_a_browser_subscribes_and_is_listed_as_this_browser(alice):
    client = log_in("alice")
    body = browser_subscription() | {"timeZone": "Europe/Moscow"}
    response = subscribe(client, body)
    assert response.status_code == 200
    assert response.json()["ok"] is True
    stored = Subscription.objects.get()
    assert stored.user == alice
    assert stored.endpoint == body["endpoint"]
    assert stored.p256dh == body["keys"]["p256dh"]
    assert stored.auth == body["keys"]["auth"]
    assert stored.device == "Chrome on Linux"
    assert stored.session_key == client.session.session_key
    assert Preferences.objects.get(user=alice).time_zone == "Europe/Moscow"
    html = client.get(SETTINGS).content.decode()
    assert "Chrome on Linux" in html
    assert "data-this-browser" in html
    assert "nothing delivered yet" in html


def test_a_form_body_subscribes_too(alice):
    client = log_in("alice")
    body = browser_subscription()
    response = client.post(SUBSCRIBE, {"endpoint": body["endpoint"], **body["keys"]})
    assert response.status_code == 200
    assert Subscription.objects.filter(endpoint=body["endpoint"]).exists()


def test_subscribing_again_updates_the_same_row(alice):
    client = log_in("alice")
    body = browser_subscription()
    subscribe(client, body)
    body["keys"]["auth"] = b64url(b"\x01" * 16)
    subscribe(client, body)
    assert Subscription.objects.get().auth == b64url(b"\x01" * 16)


def test_a_browser_held_by_another_member_moves_to_the_one_signed_in_now(alice, bob):
    body = browser_subscription()
    subscribe(log_in("alice"), body)
    subscribe(log_in("bob"), body)
    assert Subscription.objects.get().user == bob


def test_an_unknown_time_zone_is_not_recorded(alice):
    subscribe(log_in("alice"), browser_subscription() | {"timeZone": "Mars/Olympus_Mons"})
    assert Subscription.objects.count() == 1
    assert not Preferences.objects.filter(user=alice).exclude(time_zone="").exists()


def _broken(change) -> dict:
    body = browser_subscription()
    change(body)
    return body


OFF_CURVE = b"\x04" + b"\x01" * 64
BAD_BODIES = {
    "http endpoint": _broken(lambda b: b.update(endpoint="http://push.example.com/x")),
    "local endpoint": _broken(lambda b: b.update(endpoint="https://127.0.0.1/x")),
    "not a url": _broken(lambda b: b.update(endpoint="javascript:alert(1)")),
    "no push service": _broken(lambda b: b.update(endpoint="https://intranet.corp.example/x")),
    "look-alike host": _broken(lambda b: b.update(endpoint="https://evilfcm.googleapis.com.example/")),
    "credentials in url": _broken(lambda b: b.update(endpoint="https://a:b@push.example.com/")),
    "huge endpoint": _broken(lambda b: b.update(endpoint="https://p.example.com/" + "a" * 1100)),
    "no endpoint": _broken(lambda b: b.pop("endpoint")),
    "endpoint not a string": _broken(lambda b: b.update(endpoint=["https://p.example.com/"])),
    "bad base64": _broken(lambda b: b["keys"].update(p256dh="not base64!*")),
    "short p256dh": _broken(lambda b: b["keys"].update(p256dh=b64url(b"\x04" * 33))),
    "p256dh off the curve": _broken(lambda b: b["keys"].update(p256dh=b64url(OFF_CURVE))),
    "auth too long": _broken(lambda b: b["keys"].update(auth=b64url(b"\x00" * 32))),
    "auth not base64": _broken(lambda b: b["keys"].update(auth="%%%%")),
    "no keys": _broken(lambda b: b.pop("keys")),
    "keys not an object": _broken(lambda b: b.update(keys="abc")),
}  # fmt: skip


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_a_bad_subscription_is_refused_with_a_message_and_nothing_kept(alice, body):
    response = subscribe(log_in("alice"), body)
    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert "nothing was saved" in response.json()["error"]
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"\xff\xfe", b"null"])
def test_a_body_that_is_no_json_object_is_refused(alice, raw):
    response = log_in("alice").post(SUBSCRIBE, raw, content_type="application/json")
    assert response.status_code == 400
    assert "error" in response.json()


def test_a_huge_body_is_refused_unread(alice):
    body = browser_subscription() | {"padding": "x" * 20_000}
    response = subscribe(log_in("alice"), body)
    assert response.status_code == 400
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/dXJ1",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
        "https://web.push.apple.com/QGuQyavXutnM",
        "https://wns2-by3p.notify.windows.com/w/?token=BQYAAAB",
    ],
)
def test_the_browsers_push_services_are_taken(alice, endpoint):
    body = browser_subscription() | {"endpoint": endpoint}
    assert subscribe(log_in("alice"), body).status_code == 200
    assert Subscription.objects.get().endpoint == endpoint


def test_an_operator_may_take_any_public_push_service(alice, settings):
    settings.PUSH_SERVICE_HOSTS = ["*"]
    body = browser_subscription() | {"endpoint": "https://push.example.net/x"}
    assert subscribe(log_in("alice"), body).status_code == 200
    body = browser_subscription() | {"endpoint": "https://10.0.0.8/x"}
    assert subscribe(log_in("alice"), body).status_code == 400


def test_a_member_keeps_at_most_the_newest_browsers(alice, settings):
    settings.PUSH_MAX_BROWSERS = 3
    client = log_in("alice")
    endpoints = [f"https://fcm.googleapis.com/fcm/send/browser-{n}" for n in range(5)]
    for endpoint in endpoints:
        assert subscribe(client, browser_subscription() | {"endpoint": endpoint}).status_code == 200
    kept = set(Subscription.objects.filter(user=alice).values_list("endpoint", flat=True))
    assert kept == set(endpoints[2:])


def test_a_renewed_subscription_is_taken_only_in_place_of_the_members_own(alice, bob):
    client = log_in("alice")
    first = browser_subscription() | {"endpoint": "https://fcm.googleapis.com/fcm/send/old"}
    assert subscribe(client, first).status_code == 200
    renewed = browser_subscription() | {"endpoint": "https://fcm.googleapis.com/fcm/send/new",
                                         "replaces": first["endpoint"]}  # fmt: skip
    assert subscribe(client, renewed).status_code == 200
    assert list(Subscription.objects.values_list("endpoint", flat=True)) == [renewed["endpoint"]]

    # Alice signed out of this browser; Bob signs in, and the browser renews on its own.
    again = browser_subscription() | {"endpoint": "https://fcm.googleapis.com/fcm/send/newer",
                                      "replaces": renewed["endpoint"]}  # fmt: skip
    response = subscribe(log_in("bob"), again)
    assert response.status_code == 400
    assert "not yours to renew" in response.json()["error"]
    assert not Subscription.objects.filter(user=bob).exists()
    assert Subscription.objects.filter(user=alice).count() == 1


def test_http_endpoints_are_taken_where_allowed(alice, settings):
    settings.PUSH_ALLOW_HTTP_ENDPOINTS = True
    response = subscribe(log_in("alice"), browser_subscription("http://127.0.0.1:9999"))
    assert response.status_code == 200


@pytest.mark.parametrize("url", [SUBSCRIBE, UNSUBSCRIBE, PREFERENCES])
def test_writes_are_post_only(alice, url):
    assert log_in("alice").get(url).status_code == 405


@pytest.mark.parametrize(
    "url", [SUBSCRIBE, UNSUBSCRIBE, PREFERENCES, "/settings/notifications/push/"]
)
def test_a_visitor_is_sent_to_log_in(db, url):
    response = Client().post(url) if url != "/settings/notifications/push/" else Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_writes_need_the_csrf_token(alice):
    client = log_in("alice")
    client.handler.enforce_csrf_checks = True
    assert subscribe(client, browser_subscription()).status_code == 403
    assert client.post(PREFERENCES, {}).status_code == 403
    assert not Subscription.objects.exists()


def test_subscribing_is_rate_limited(alice, settings, rate_window):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "push_settings": "2/m/user"}
    client = log_in("alice")
    assert subscribe(client, browser_subscription()).status_code == 200
    assert subscribe(client, browser_subscription()).status_code == 200
    refused = subscribe(client, browser_subscription())
    assert refused.status_code == 429
    assert "too often" in refused.json()["error"]
    assert Subscription.objects.count() == 2


# --- Turning off and removing devices --------------------------------------------------------


def test_turning_off_forgets_this_browser(alice):
    client = log_in("alice")
    body = browser_subscription()
    subscribe(client, body)
    response = client.post(
        UNSUBSCRIBE, json.dumps({"endpoint": body["endpoint"]}), content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["removed"] is True
    assert not Subscription.objects.exists()


def test_turning_off_cannot_remove_another_members_browser(alice, bob):
    body = browser_subscription()
    subscribe(log_in("bob"), body)
    response = log_in("alice").post(UNSUBSCRIBE, {"endpoint": body["endpoint"]})
    assert response.json()["removed"] is False
    assert Subscription.objects.get().user == bob


def test_removing_a_device_without_javascript(alice):
    client = log_in("alice")
    subscribe(client, browser_subscription())
    device = Subscription.objects.get()
    response = client.post(f"/settings/notifications/push/devices/{device.pk}/remove/", follow=True)
    assert response.redirect_chain[-1][0] == "/settings/notifications/#push"
    assert "That device gets no more push notifications." in response.content.decode()
    assert not Subscription.objects.exists()


def test_removing_a_device_with_htmx_swaps_the_section(alice, django_assert_max_num_queries):
    client = log_in("alice")
    subscribe(client, browser_subscription())
    subscribe(client, browser_subscription())
    device = Subscription.objects.first()
    # Most of them count the rate limit in the database cache.
    with django_assert_max_num_queries(34):
        response = client.post(
            f"/settings/notifications/push/devices/{device.pk}/remove/",
            headers={"HX-Request": "true"},
        )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="push"')
    assert html.count("data-push-device=") == 1
    assert "autofocus" in html  # the status that says so takes the focus


def test_another_members_device_is_not_found(alice, bob):
    subscribe(log_in("bob"), browser_subscription())
    device = Subscription.objects.get()
    response = log_in("alice").post(f"/settings/notifications/push/devices/{device.pk}/remove/")
    assert response.status_code == 404
    assert Subscription.objects.filter(pk=device.pk).exists()


def test_a_device_id_that_is_no_number_is_not_found(alice):
    response = log_in("alice").post("/settings/notifications/push/devices/abc/remove/")
    assert response.status_code == 404


# --- Kinds and quiet hours --------------------------------------------------------------------


def test_kinds_and_quiet_hours_are_saved(alice):
    client = log_in("alice")
    response = client.post(PREFERENCES, {
        "push-kinds": ["follow", "mention"],
        "push-quiet_from": "22:30",
        "push-quiet_until": "07:00",
        "push-time_zone": "Asia/Yekaterinburg",
    }, follow=True)  # fmt: skip
    assert "Push settings saved." in response.content.decode()
    assert set(MutedKind.objects.values_list("kind", flat=True)) == {
        "like",
        "comment",
        "reply",
        "message",
    }
    preferences = Preferences.objects.get(user=alice)
    assert (preferences.quiet_from, preferences.quiet_until) == (time(22, 30), time(7, 0))
    assert preferences.time_zone == "Asia/Yekaterinburg"
    html = client.get(SETTINGS).content.decode()
    assert 'value="22:30"' in html
    assert re.search(r'name="push-kinds"\s+value="mention"[^>]*checked', html)
    assert not re.search(r'name="push-kinds"\s+value="like"[^>]*checked', html)


def test_quiet_hours_need_both_times(alice):
    client = log_in("alice")
    response = client.post(PREFERENCES, {"push-kinds": ["like"], "push-quiet_from": "22:00"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Give both times for quiet hours" in html
    assert 'value="22:00"' in html  # what was typed stays
    assert not Preferences.objects.exists()
    assert not MutedKind.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [("25:00", "07:00", "Enter a valid time"), ("08:00", "08:00", "must end at another time")],
)
def test_bad_quiet_hours_are_refused(alice, start, end, message):
    response = log_in("alice").post(
        PREFERENCES,
        {"push-quiet_from": start, "push-quiet_until": end},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200  # htmx swaps the section with the errors in it
    assert message in response.content.decode()
    assert not Preferences.objects.exists()


def test_clearing_both_times_ends_quiet_hours(alice):
    client = log_in("alice")
    client.post(PREFERENCES, {"push-quiet_from": "22:00", "push-quiet_until": "06:00"})
    client.post(PREFERENCES, {"push-quiet_from": "", "push-quiet_until": ""})
    preferences = Preferences.objects.get(user=alice)
    assert preferences.quiet_from is None
    assert preferences.quiet_until is None


def test_a_kind_off_for_the_bell_is_shown_off_and_says_why(alice):
    BellMutedKind.objects.create(user=alice, kind="like")
    client = log_in("alice")
    html = client.get(SETTINGS).content.decode()
    assert "Off for the bell too" in html
    assert not re.search(r'name="push-kinds"\s+value="like"', html)
    # Saving push settings leaves the kind's own push switch as it was.
    MutedKind.objects.create(user=alice, kind="like")
    client.post(PREFERENCES, {"push-kinds": ["follow", "comment", "reply", "mention", "message"]})
    assert set(MutedKind.objects.values_list("kind", flat=True)) == {"like"}


def test_unknown_kinds_are_refused(alice):
    response = log_in("alice").post(PREFERENCES, {"push-kinds": ["suspended"]})
    assert response.status_code == 400
    assert not MutedKind.objects.exists()
