import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from apps.push.models import Subscription
from tests.factories import PostFactory, UserFactory
from tests.pushservice import PushService, vapid_private_key


@pytest.fixture
def service():
    """The push service stand-in, running on loopback for the test."""
    with PushService() as running:
        yield running


@pytest.fixture(autouse=True)
def server_key(settings):
    """The site's VAPID key for the test (its public half, as a page subscribes with it)."""
    private, public = vapid_private_key()
    settings.VAPID_PRIVATE_KEY = private
    settings.VAPID_SUBJECT = "mailto:push@example.com"
    settings.PUSH_DELAY = 60
    settings.PUSH_MIN_INTERVAL = 120
    settings.PUSH_RETRY_SECONDS = 30
    settings.PUSH_MAX_ATTEMPTS = 3
    settings.PUSH_TIMEOUT = 1
    return public


@pytest.fixture
def clock():
    """The site's clock, moved forward by the test (`clock.shift(seconds)`), still running."""
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        yield traveller


@pytest.fixture
def member(db):
    return UserFactory(username="mia", first_name="Mia", last_name="M")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", first_name="Bob", last_name="B")


@pytest.fixture
def post(member):
    return PostFactory(author=member, title="Sunset over the bay")


def subscribe(service, user, server_key) -> dict:
    """A browser of `user` subscribed at the stand-in, as the page stores it."""
    info = service.subscription(server_key=server_key)
    Subscription.objects.create(
        user=user, endpoint=info["endpoint"], p256dh=info["keys"]["p256dh"],
        auth=info["keys"]["auth"], device="Firefox on Linux",
    )  # fmt: skip
    return info


def run_tasks() -> None:
    """What a worker does with the tasks that are due now."""
    call_command("db_worker", batch=True, reload=False, startup_delay=False)
