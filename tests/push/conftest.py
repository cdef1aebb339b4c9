import base64
import secrets
from importlib import import_module

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from apps.push.models import Subscription
from tests.factories import PASSWORD, PostFactory, UserFactory
from tests.pushservice import PushService, vapid_private_key

CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_subscription(host: str = "https://fcm.googleapis.com") -> dict:
    """What PushSubscription.toJSON() gives, with a real P-256 key of the browser's."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {
        "endpoint": f"{host}/fcm/send/{secrets.token_urlsafe(24)}",
        "expirationTime": None,
        "keys": {"p256dh": b64url(point), "auth": b64url(secrets.token_bytes(16))},
    }


def log_in(username: str, user_agent: str = CHROME) -> Client:
    """A browser that signed in through the login form (so allauth records its session)."""
    client = Client(HTTP_USER_AGENT=user_agent)
    response = client.post("/accounts/login/", {"login": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", first_name="Alice", last_name="A")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", first_name="Bob", last_name="B")


# --- Delivery: the push service stand-in and the worker -------------------------------------


@pytest.fixture
def service():
    """The push service stand-in, running on loopback for the test."""
    with PushService() as running:
        yield running


@pytest.fixture
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
def post(member):
    return PostFactory(author=member, title="Sunset over the bay")


def live_session(user) -> str:
    """A session signing a browser in as `user`, as a login leaves it (the session and
    allauth's record of it), without the login's signals: the member stays offline."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    UserSession.objects.create(
        user=user, session_key=store.session_key, ip="127.0.0.1", user_agent=CHROME,
        created_at=timezone.now(), last_seen_at=timezone.now(),
    )  # fmt: skip
    return store.session_key


def subscribe(service, user, server_key) -> dict:
    """A browser of `user` subscribed at the stand-in in a live session, as the page stores
    it."""
    info = service.subscription(server_key=server_key)
    Subscription.objects.create(
        user=user, endpoint=info["endpoint"], p256dh=info["keys"]["p256dh"],
        auth=info["keys"]["auth"], device="Firefox on Linux", session_key=live_session(user),
    )  # fmt: skip
    return info


def run_tasks() -> None:
    """What a worker does with the tasks that are due now."""
    call_command("db_worker", batch=True, reload=False, startup_delay=False)
