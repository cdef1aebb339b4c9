import base64
import secrets

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client

from tests.factories import PASSWORD, UserFactory

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
