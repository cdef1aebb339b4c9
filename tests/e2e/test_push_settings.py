"""Turning push on in a real Chromium from the notification settings: the service worker is
registered, the browser's own Push API is asked (never before a click), and the subscription
reaches the server; then the device list, "Turn off" and Remove."""

import base64
import json

import pytest
from playwright.sync_api import expect

from apps.push import keys
from apps.push.models import Subscription
from tests.factories import UserFactory
from tests.pushservice import PushService

from .conftest import MOBILE, assert_accessible, log_in, open_context, shoot, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Counts every permission request the page makes, from before its first script runs.
COUNT_PERMISSION_ASKS = """
window.__permissionAsks = 0;
if (window.Notification) {
  const ask = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = function (...args) {
    window.__permissionAsks += 1;
    return ask(...args);
  };
}
"""

# The browser's PushManager, but subscribing at the local push service stand-in instead of
# the browser's own (FCM, out of reach here): the page's code runs unchanged around it.
STAND_IN_SUBSCRIBE = """
(subscription) => {
  let current = null;
  const make = (options) => ({
    endpoint: subscription.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: options.applicationServerKey },
    toJSON() { return { endpoint: subscription.endpoint, expirationTime: null,
                        keys: subscription.keys }; },
    unsubscribe() { current = null; return Promise.resolve(true); },
  });
  window.__subscribeCalls = [];
  PushManager.prototype.subscribe = function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    window.__subscribeCalls.push(
      { userVisibleOnly: options.userVisibleOnly, keyLength: key.length });
    current = make(options);
    return Promise.resolve(current);
  };
  PushManager.prototype.getSubscription = function () { return Promise.resolve(current); };
}
"""


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def settings_page(browser, live_server, member, **options):
    context = open_context(browser, live_server, **options)
    context.grant_permissions(["notifications"], origin=live_server.url)
    context.add_init_script(COUNT_PERMISSION_ASKS)
    log_in(context, live_server, member)
    page = context.new_page()
    page.health = watch(page, live_server)
    page.goto("/settings/notifications/")
    page.evaluate("() => navigator.serviceWorker.ready")
    return page


def test_turning_on_asks_the_browsers_real_push_service(browser, live_server):
    alice = UserFactory(username="alice")
    page = settings_page(browser, live_server, alice)
    section = page.locator("#push")
    expect(section.get_by_role("heading", name="Push notifications on this device")).to_be_visible()
    assert page.evaluate("() => window.__permissionAsks") == 0  # nothing asked on page load
    section.get_by_role("button", name="Turn on for this browser").click()
    status = section.get_by_role("status")
    expect(status).not_to_have_text("Asking this browser…", timeout=30_000)
    expect(status).not_to_be_empty()
    assert page.evaluate("() => window.__permissionAsks") == 1
    if Subscription.objects.exists():
        # Chromium reached its push service: the subscription is a real one.
        stored = Subscription.objects.get()
        assert stored.endpoint.startswith("https://")
        assert len(unb64(stored.p256dh)) == 65
        assert unb64(stored.p256dh)[0] == 4
        assert len(unb64(stored.auth)) == 16
        expect(status).to_have_text("Push notifications are on for this browser.")
    else:
        # No network to the push service here: the page says so, and nothing is kept.
        expect(status).to_contain_text("could not reach its push service")
        expect(section.get_by_role("button", name="Turn on for this browser")).to_be_enabled()


def test_a_subscription_at_the_stand_in_is_listed_turned_off_and_removed(
    browser, live_server, settings
):
    settings.PUSH_ALLOW_HTTP_ENDPOINTS = True  # the stand-in speaks plain http on 127.0.0.1
    alice = UserFactory(username="alice")
    with PushService() as service:
        subscription = service.subscription(server_key=keys.public_key())
        page = settings_page(browser, live_server, alice, viewport=MOBILE)
        page.evaluate(STAND_IN_SUBSCRIBE, subscription)
        page.wait_for_timeout(500)
        assert page.evaluate("() => window.__permissionAsks") == 0
        section = page.locator("#push")
        section.get_by_role("button", name="Turn on for this browser").click()

        status = page.locator("#push [data-push-status]")
        expect(status).to_have_text("Push notifications are on for this browser.")
        expect(status).to_be_focused()
        assert page.evaluate("() => window.__permissionAsks") == 1
        [call] = page.evaluate("() => window.__subscribeCalls")
        assert call == {"userVisibleOnly": True, "keyLength": 65}
        stored = Subscription.objects.get()
        assert stored.user == alice
        assert stored.endpoint == subscription["endpoint"]
        assert stored.p256dh == subscription["keys"]["p256dh"]
        assert stored.auth == subscription["keys"]["auth"]
        devices = page.locator("[data-push-device]")
        expect(devices).to_have_count(1)
        expect(devices.first).to_contain_text("This browser")
        expect(devices.first).to_contain_text("Chrome")
        off = page.get_by_role("button", name="Turn off for this browser")
        expect(off).to_be_visible()
        # The swapped-in section's buttons settle (Bootstrap's colour transitions) before axe
        # reads their contrast.
        page.wait_for_function("() => document.getAnimations().length === 0")
        assert_accessible(page)

        off.click()
        expect(status).to_have_text("Push notifications are off for this browser.")
        expect(page.locator("[data-push-device]")).to_have_count(0)
        assert not Subscription.objects.exists()
        expect(page.get_by_role("button", name="Turn on for this browser")).to_be_visible()

    # A device subscribed elsewhere is removed from here, and focus lands on what was done.
    other = Subscription.objects.create(
        user=alice,
        endpoint="https://updates.push.services.mozilla.com/wpush/v2/abc",
        p256dh=subscription["keys"]["p256dh"],
        auth=subscription["keys"]["auth"],
        device="Firefox on Android",
    )
    page.reload()
    row = page.locator(f'[data-push-device="{other.pk}"]')
    expect(row).to_contain_text("Firefox on Android")
    row.get_by_role("button", name="Remove Firefox on Android").click()
    expect(page.locator("[data-push-device]")).to_have_count(0)
    expect(page.locator("#push [data-push-status]")).to_have_text(
        "That device gets no more push notifications."
    )
    expect(page.locator("#push [data-push-status]")).to_be_focused()
    assert not Subscription.objects.exists()
    assert page.evaluate("() => window.__permissionAsks") == 0  # none since the reload
    page.health.assert_clean()

    # For the README: this browser on again, beside a phone. Last, because after Playwright's
    # screenshot htmx's swaps report CSP refusals of inline style that the page never makes.
    Subscription.objects.create(
        user=alice,
        endpoint="https://fcm.googleapis.com/fcm/send/phone",
        p256dh=subscription["keys"]["p256dh"],
        auth=subscription["keys"]["auth"],
        device="Chrome Mobile on Android",
    )
    page.evaluate(STAND_IN_SUBSCRIBE, subscription)
    page.get_by_role("button", name="Turn on for this browser").click()
    expect(page.locator("[data-push-device]")).to_have_count(2)
    page.locator("#push").scroll_into_view_if_needed()
    shoot(page, "push-settings-mobile")


def test_kinds_and_quiet_hours_are_saved_in_place(browser, live_server):
    alice = UserFactory(username="alice")
    page = settings_page(browser, live_server, alice)
    section = page.locator("#push")
    section.get_by_label("Likes on your posts").uncheck()
    section.get_by_label("Quiet from").fill("22:00")
    section.get_by_role("button", name="Save push settings").click()
    expect(section.get_by_role("alert")).to_contain_text("Give both times")
    section.get_by_label("Quiet until").fill("07:30")
    page.locator("#push").get_by_role("button", name="Save push settings").click()
    expect(page.locator("#push [data-push-status]")).to_have_text("Push settings saved.")
    from apps.push.models import MutedKind, Preferences

    assert list(MutedKind.objects.values_list("kind", flat=True)) == ["like"]
    preferences = Preferences.objects.get(user=alice)
    assert str(preferences.quiet_from) == "22:00:00"
    assert preferences.time_zone  # the browser's own, sent with the form
    assert json.dumps(page.evaluate("() => window.__permissionAsks")) == "0"
    page.health.assert_clean()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_push_section_is_in_the_sites_teal(browser, live_server, theme):
    from .test_palette import scan_in_every_state

    alice = UserFactory(username="alice")
    Subscription.objects.create(
        user=alice,
        endpoint="https://fcm.googleapis.com/fcm/send/phone",
        p256dh="x",
        auth="y",
        device="Chrome Mobile on Android",
    )
    page = settings_page(browser, live_server, alice, color_scheme=theme, reduced_motion="reduce")
    page.locator("#push").get_by_label("Quiet from").fill("22:00")
    page.locator("#push").get_by_role("button", name="Save push settings").click()
    expect(page.locator("#push").get_by_role("alert")).to_be_visible()  # errors shown too
    assert scan_in_every_state(page) == []
    assert_accessible(page)
