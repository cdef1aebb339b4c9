"""Browser tests: Playwright for Python driving Debian's Chromium against a live server.

Locally a missing browser skips these tests; with CI set it fails the run, because a green CI
that never opened a browser proves nothing.
"""

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}

# Playwright's sync API runs an event loop in this thread; the ORM calls made by tests and
# fixtures alongside it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM}: apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@dataclass
class PageHealth:
    """What went wrong in the page: console errors, CSP violations, requests to other hosts."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.console_errors == []
        assert self.foreign_requests == []
        assert self.failed_requests == []


# Every context a test opened, closed when the test ends: a page left open keeps polling the
# test server (presence, notifications) after its test, into the next module's setup.
_opened: list = []


def open_context(browser, live_server, viewport=DESKTOP, **options):
    context = browser.new_context(viewport=viewport, base_url=live_server.url, **options)
    context.set_default_timeout(10_000)
    _opened.append(context)
    return context


@pytest.fixture(autouse=True)
def _close_opened_contexts():
    yield
    while _opened:
        _opened.pop().close()


def watch(page, live_server) -> PageHealth:
    origin = urlsplit(live_server.url).netloc
    health = PageHealth(origin=origin)

    def on_console(message):
        if message.type == "error":
            health.console_errors.append(message.text)

    def on_request(request):
        if urlsplit(request.url).scheme in {"http", "https"} and (
            urlsplit(request.url).netloc != origin
        ):
            health.foreign_requests.append(request.url)

    def on_failed(request):
        # An abort is the page's own doing (it navigated on, or htmx replaced a request it no
        # longer needs), not something the server failed to deliver.
        if request.failure != "net::ERR_ABORTED":
            health.failed_requests.append(f"{request.url} {request.failure}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: health.console_errors.append(str(error)))
    page.on("request", on_request)
    page.on("requestfailed", on_failed)
    return health


@pytest.fixture
def context(browser, live_server) -> Iterator:
    context = open_context(browser, live_server)
    yield context
    context.close()


@pytest.fixture
def page(context, live_server):
    page = context.new_page()
    page.health = watch(page, live_server)
    return page


def log_in(context, live_server, user) -> None:
    """Give the browser context a logged-in session cookie (no need to type a password)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SERIOUS = {"serious", "critical"}


@pytest.fixture
def fast_polls(settings):
    """Pages poll presence every second, so a journey sees a change within a second."""
    settings.PRESENCE_POLL_INTERVAL = 1


def sign_in(page, username: str) -> None:
    """Sign in through the login form, as a person would (log_in skips the form)."""
    from tests.factories import PASSWORD

    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url("**/")


def shoot(page, name: str) -> None:
    """Save a screenshot for the README (docs/screenshots/<name>.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("networkidle")
    page.evaluate(
        "() => document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')"
    )
    page.wait_for_load_state("networkidle")
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=False)


def assert_accessible(page) -> None:
    """axe-core (bundled with axe-playwright-python, no network): no serious or critical
    violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]
    assert serious == [], "\n".join(serious)


@pytest.fixture
def demo(db):
    """The same demo content `make run` loads: three members, posts with images and comments."""
    from apps.membership.demo import load_demo_data

    load_demo_data()


def focused(page) -> str:
    """The focused element's name, or its text with whitespace collapsed."""
    return page.evaluate(FOCUSED_JS)


def wait_for_focus(page, name: str) -> None:
    """htmx moves focus after the swap settles; wait for it rather than race it."""
    try:
        page.wait_for_function(f"(name) => ({FOCUSED_JS})() === name", arg=name)
    except Exception as error:
        active = page.evaluate("() => document.activeElement.outerHTML.slice(0, 300)")
        raise AssertionError(f"focus never reached {name!r}; it is on {active}") from error


FOCUSED_JS = (
    "() => document.activeElement.name"
    " || document.activeElement.textContent.replace(/\\s+/g, ' ').trim()"
)


def pytest_collection_modifyitems(items):
    """A real browser on a busy 2-core CI machine sometimes misses a timing window; a journey
    that fails twice in a row is a real failure. Reruns are reported in the summary."""
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=1))


def main_pages() -> list[tuple[str | None, str]]:
    """Every main page as (who is signed in, its address), on the demo data: what the palette
    and touch-target scans walk."""
    from apps.conversations.models import Conversation
    from apps.feed.models import Post

    post = Post.objects.filter(image__gt="").first()
    walk = Conversation.objects.get(title="Saturday walk")  # the demo's group, alice in it
    return [
        (None, "/"),
        (None, "/accounts/login/"),
        (None, "/accounts/signup/"),
        (None, "/accounts/password/reset/"),
        ("alice", "/"),
        ("alice", "/u/alice/"),
        ("alice", "/u/chloe/"),
        ("alice", post.get_absolute_url()),
        ("alice", "/posts/new/"),
        ("alice", "/search/?q=tea"),
        ("alice", "/notifications/"),
        ("alice", "/u/alice/followers/"),
        ("alice", "/settings/account/"),
        ("alice", "/settings/profile/"),
        ("alice", "/accounts/sessions/"),
        ("alice", "/accounts/2fa/"),
        ("alice", "/messages/"),
        ("alice", walk.get_absolute_url()),
        ("alice", "/messages/new/"),
        ("alice", "/settings/messages/"),
        ("chloe", "/moderation/"),
    ]
