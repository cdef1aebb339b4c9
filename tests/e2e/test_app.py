"""The installable app in Chromium: the service worker registers and controls the page; with
the network cut a page is the offline page, never a kept copy of a member's page; a push shows
a notification; and Chromium itself finds the site installable on a phone."""

import json

import pytest
from playwright.sync_api import expect

from apps.social import services as social
from tests.factories import UserFactory

from .conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MOBILE,
    assert_accessible,
    log_in,
    open_context,
    shoot,
    sign_in,
    watch,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": MOBILE, "is_mobile": True, "has_touch": True}


def controlled(page) -> None:
    """Wait until the worker is active and controls the page (it claims open pages)."""
    page.wait_for_function(
        "() => navigator.serviceWorker.controller !== null"
        " && navigator.serviceWorker.controller.state === 'activated'",
        timeout=15_000,
    )


def test_the_worker_registers_on_a_visitors_page_and_controls_it(browser, live_server):
    context = open_context(browser, live_server)
    page = context.new_page()
    health = watch(page, live_server)
    page.goto("/")
    controlled(page)
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == f"{live_server.url}/"
    kept = page.evaluate(
        """async () => {
          const names = await caches.keys();
          const cache = await caches.open(names.find((n) => n.startsWith("eternity-shell-")));
          return (await cache.keys()).map((r) => new URL(r.url).pathname);
        }"""
    )
    assert "/offline/" in kept
    assert "/static/css/site.css" in kept
    assert not [path for path in kept if path != "/offline/" and not path.startswith("/static/")]
    health.assert_clean()


def test_with_the_network_cut_a_page_is_the_offline_page(browser, live_server):
    context = open_context(browser, live_server, **PHONE)
    page = context.new_page()
    page.goto("/")
    controlled(page)
    context.set_offline(True)
    page.goto("/search/?q=tea")
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/search/?q=tea")
    # Styled from the kept CSS: the page's teal button, not the browser's grey one.
    again = page.get_by_role("button", name="Try again")
    assert again.evaluate("(b) => getComputedStyle(b).backgroundColor") == "rgb(15, 118, 110)"
    assert_accessible(page)
    shoot(page, "app-offline-page")
    context.set_offline(False)
    again.click()
    expect(page.get_by_role("heading", name="You are offline")).to_have_count(0)


def test_a_members_page_seen_before_is_not_shown_from_a_kept_copy_offline(browser, live_server):
    wren = UserFactory(username="wren", first_name="Wren")
    context = open_context(browser, live_server, **PHONE)
    log_in(context, live_server, wren)
    page = context.new_page()
    page.goto("/settings/profile/")
    controlled(page)
    page.reload()  # now through the worker
    expect(page.locator("body")).to_have_attribute("data-member", "wren")
    context.set_offline(True)
    page.goto("/settings/profile/")
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-member", "")
    assert "wren" not in page.content()


def test_signing_in_keeps_the_offline_page_ready(browser, live_server):
    """A sign-in clears the browser's HTTP cache (Clear-Site-Data: "cache"), not the worker's."""
    UserFactory(username="wren")
    context = open_context(browser, live_server, **PHONE)
    page = context.new_page()
    page.goto("/")
    controlled(page)
    sign_in(page, "wren")
    expect(page.locator("body")).to_have_attribute("data-member", "wren")
    context.set_offline(True)
    page.goto("/u/wren/")
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()


def deliver_push(context, page, live_server, payload: str | None) -> None:
    """A push message as the push service would deliver it, through Chromium's DevTools."""
    session = context.new_cdp_session(page)
    registrations = []
    session.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    session.send("ServiceWorker.enable")
    ours = []
    for _ in range(100):  # the registrations arrive as events, soon after enable
        scope = f"{live_server.url}/"
        ours = [r for r in registrations if r["scopeURL"] == scope and not r["isDeleted"]]
        if ours:
            break
        page.wait_for_timeout(100)
    session.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server.url, "registrationId": ours[0]["registrationId"],
         "data": payload or ""},
    )  # fmt: skip


def notifications(page) -> list[dict]:
    """The notifications the worker shows, once it shows any (the push event is handled in
    the worker, after DevTools answered)."""
    for _ in range(50):
        shown = shown_notifications(page)
        if shown:
            return shown
        page.wait_for_timeout(100)
    return []


def shown_notifications(page) -> list[dict]:
    return page.evaluate(
        """async () => {
          const registration = await navigator.serviceWorker.ready;
          return (await registration.getNotifications()).map((n) => ({
            title: n.title, body: n.body, tag: n.tag, data: n.data, icon: n.icon, badge: n.badge,
          }));
        }"""
    )


def test_a_push_shows_its_notification_and_sets_the_badge(browser, live_server):
    context = open_context(browser, live_server, **PHONE)
    context.grant_permissions(["notifications"], origin=live_server.url)
    page = context.new_page()
    health = watch(page, live_server)
    page.goto("/")
    controlled(page)
    payload = {"title": "Bob liked your post", "body": "Notes from the garden",
               "url": "/notifications/", "tag": "like-7", "badge": 3}  # fmt: skip
    deliver_push(context, page, live_server, json.dumps(payload))
    [shown] = notifications(page)
    assert shown["title"] == "Bob liked your post"
    assert shown["body"] == "Notes from the garden"
    assert shown["tag"] == "like-7"
    assert shown["data"] == {"url": "/notifications/"}
    assert "/static/app/icon-192" in shown["icon"]
    assert "/static/app/badge-96" in shown["badge"]
    [worker] = context.service_workers
    assert worker.evaluate("() => 'setAppBadge' in navigator") is True
    assert worker.evaluate("() => setBadge(3).then(() => setBadge(0)).then(() => 'set')") == "set"
    health.assert_clean()


@pytest.mark.parametrize("payload", [None, "not json", json.dumps({"url": "https://evil.test/"})])
def test_a_push_without_a_readable_payload_still_says_there_is_something_new(
    browser, live_server, payload
):
    context = open_context(browser, live_server)
    context.grant_permissions(["notifications"], origin=live_server.url)
    page = context.new_page()
    page.goto("/")
    controlled(page)
    deliver_push(context, page, live_server, payload)
    [shown] = notifications(page)
    assert shown["title"] == "Eternity"
    assert shown["body"] == "You have new notifications on Eternity"
    assert shown["data"] == {"url": "/notifications/"}


def test_chromium_finds_the_site_installable_on_a_phone(browser, live_server, tmp_path):
    # A profile on disk: Chromium installs nothing from an incognito one (Playwright's
    # contexts), and says so as its only installability error.
    context = browser.browser_type.launch_persistent_context(
        tmp_path / "profile", executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
        base_url=live_server.url, **PHONE,
    )  # fmt: skip
    try:
        page = context.new_page()
        page.goto("/")
        controlled(page)
        session = context.new_cdp_session(page)
        manifest = session.send("Page.getAppManifest")
        assert manifest["url"] == f"{live_server.url}/manifest.webmanifest"
        assert manifest["errors"] == []
        installability = session.send("Page.getInstallabilityErrors")
        assert installability["installabilityErrors"] == []
    finally:
        context.close()


def test_the_install_offer_appears_when_the_browser_offers_and_can_be_dismissed(
    browser, live_server
):
    context = open_context(browser, live_server, **PHONE)
    page = context.new_page()
    health = watch(page, live_server)
    page.goto("/")
    hint = page.get_by_role("button", name="Install Eternity")
    expect(hint).to_be_hidden()
    # The event Chromium fires once the site is installable (headless Chromium never shows
    # its own prompt): a stand-in with the same prompt() the page calls.
    page.evaluate(
        """() => {
          const offer = new Event("beforeinstallprompt", { cancelable: true });
          offer.prompt = () => { window.prompted = true; return Promise.resolve(); };
          window.dispatchEvent(offer);
        }"""
    )
    expect(hint).to_be_visible()
    page.get_by_role("contentinfo").scroll_into_view_if_needed()
    assert_accessible(page)
    shoot(page, "app-install-offer")
    hint.click()
    assert page.evaluate("() => window.prompted") is True
    expect(hint).to_be_hidden()
    page.reload()
    page.evaluate("() => window.dispatchEvent(new Event('beforeinstallprompt'))")
    expect(hint).to_be_visible()
    page.get_by_role("button", name="Not now").click()
    expect(hint).to_be_hidden()
    page.reload()
    page.evaluate("() => window.dispatchEvent(new Event('beforeinstallprompt'))")
    expect(hint).to_be_hidden()
    health.assert_clean()


def test_the_bells_unread_count_is_the_apps_badge(browser, live_server):
    wren = UserFactory(username="wren")
    social.follow(follower=UserFactory(username="bob"), followee=wren)
    context = open_context(browser, live_server, **PHONE)
    # What the page asks of the badge, recorded (Chromium has no badge to read back headless).
    context.add_init_script(
        """window.badges = [];
        navigator.setAppBadge = (n) => { window.badges.push(n); return Promise.resolve(); };
        navigator.clearAppBadge = () => { window.badges.push(0); return Promise.resolve(); };"""
    )
    log_in(context, live_server, wren)
    page = context.new_page()
    page.goto("/")
    page.wait_for_function("() => window.badges.length > 0")
    assert page.evaluate("() => window.badges.at(-1)") == 1
    page.goto("/notifications/")  # read when viewed
    page.wait_for_function("() => window.badges.length > 0")
    assert page.evaluate("() => window.badges.at(-1)") == 0
