"""The VAPID key in each form people have it, the development key made once, the system checks
that refuse a bad key or subject, and `manage.py vapid_keys`."""

import base64
import io
import re
import secrets

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.core.management.base import CommandError
from py_vapid import Vapid02

from apps.push import checks, keys


def scalar(key: ec.EllipticCurvePrivateKey) -> int:
    return key.private_numbers().private_value


@pytest.fixture
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def test_a_pem_key_reads(key):
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    assert scalar(keys.parse_private_key(pem)) == scalar(key)
    # An environment variable on one line, its line breaks written as \n.
    assert scalar(keys.parse_private_key(pem.replace("\n", "\\n"))) == scalar(key)


def test_a_pkcs8_pem_key_reads(key):
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    assert scalar(keys.parse_private_key(pem)) == scalar(key)


def test_the_raw_base64url_key_reads_as_vapid_tools_print_it(key):
    raw = keys.raw_private_key(key)
    assert len(raw) == 43
    assert "=" not in raw
    assert scalar(keys.parse_private_key(raw)) == scalar(key)
    assert scalar(keys.parse_private_key(raw + "=")) == scalar(key)
    # py-vapid reads the same text as the same key.
    assert scalar(Vapid02.from_raw(raw.encode()).private_key) == scalar(key)


def test_a_der_key_as_base64url_reads(key):
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    text = base64.urlsafe_b64encode(der).decode().rstrip("=")
    assert scalar(keys.parse_private_key(text)) == scalar(key)


def test_64_hex_characters_are_a_key_as_herokus_generator_makes_them():
    text = secrets.token_hex(32)
    assert scalar(keys.parse_private_key(text)) == int(text, 16)
    assert scalar(keys.parse_private_key(text.upper())) == int(text, 16)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0" * 64,  # zero is no key
        "f" * 64,  # above the curve's order
        "not a key at all!",
        base64.urlsafe_b64encode(b"\x01" * 20).decode(),  # neither 32 bytes nor a DER
        "-----BEGIN EC PRIVATE KEY-----\nbroken\n-----END EC PRIVATE KEY-----",
    ],
)
def test_what_is_no_p256_key_is_refused(text):
    with pytest.raises(keys.InvalidKey):
        keys.parse_private_key(text)


def test_a_key_on_another_curve_is_refused():
    other = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(keys.InvalidKey, match="P-256"):
        keys.parse_private_key(other.decode())


def test_the_public_key_is_the_uncompressed_point_browsers_take(settings, key):
    settings.VAPID_PRIVATE_KEY = keys.raw_private_key(key)
    public = base64.urlsafe_b64decode(keys.public_key() + "=")
    assert len(public) == 65
    assert public[0] == 4
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert public == point
    assert keys.configured()
    assert scalar(keys.vapid().private_key) == scalar(key)


def test_without_a_key_and_without_debug_push_is_off(settings):
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_DEVELOPMENT_KEY_FILE = None
    assert not keys.configured()
    assert keys.public_key() == ""
    assert keys.vapid() is None


def test_in_development_a_key_is_made_once_and_kept(settings, tmp_path):
    path = tmp_path / ".vapid-development-key"
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_DEVELOPMENT_KEY_FILE = path
    first = keys.public_key()
    assert first
    assert path.exists()
    assert path.stat().st_mode & 0o777 == 0o600
    keys._load.cache_clear()  # another process
    assert keys.public_key() == first


def test_the_system_check_refuses_an_unreadable_key(settings):
    settings.VAPID_PRIVATE_KEY = "f" * 64
    [error] = checks.vapid_key_reads(None)
    assert error.id == "push.E001"
    settings.VAPID_PRIVATE_KEY = secrets.token_hex(32)
    assert checks.vapid_key_reads(None) == []


@pytest.mark.parametrize(
    ("subject", "problem"),
    [
        ("mailto:admin@eternity.example", False),
        ("https://eternity.example", False),
        ("mailto:not an address", True),
        ("http://eternity.example", True),
        ("https://", True),
        ("admin@eternity.example", True),
        ("mailto:noreply@localhost", True),
    ],
)
def test_the_system_check_refuses_a_bad_subject_in_production(settings, subject, problem):
    settings.DEBUG = False
    settings.VAPID_PRIVATE_KEY = secrets.token_hex(32)
    settings.VAPID_SUBJECT = subject
    found = checks.vapid_subject_is_an_address(None)
    assert [each.id for each in found] == (["push.E002"] if problem else [])


def test_a_bad_subject_only_warns_in_development(settings):
    settings.DEBUG = True
    settings.VAPID_SUBJECT = "http://127.0.0.1:8000"
    assert [each.id for each in checks.vapid_subject_is_an_address(None)] == ["push.W001"]


def test_a_site_without_push_says_nothing_of_its_subject(settings):
    settings.DEBUG = False
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_SUBJECT = "mailto:noreply@localhost"
    assert checks.vapid_subject_is_an_address(None) == []
    settings.VAPID_PRIVATE_KEY = "4f1b9a3c8d2e7f60a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2"
    assert [each.id for each in checks.vapid_subject_is_an_address(None)] == ["push.E002"]


def test_the_command_prints_a_key_the_settings_read():
    out = io.StringIO()
    call_command("vapid_keys", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    private = re.search(r"^VAPID_PRIVATE_KEY=([A-Za-z0-9_-]{43})$", text, re.M).group(1)
    public = re.search(r"^VAPID public key: ([A-Za-z0-9_-]{87})$", text, re.M).group(1)
    assert keys.raw_public_key(keys.parse_private_key(private)) == public


def test_the_command_shows_the_configured_public_key(settings):
    settings.VAPID_PRIVATE_KEY = secrets.token_hex(32)
    out = io.StringIO()
    call_command("vapid_keys", "--show", stdout=out)
    assert keys.public_key() in out.getvalue()
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_DEVELOPMENT_KEY_FILE = None
    with pytest.raises(CommandError, match="not set"):
        call_command("vapid_keys", "--show")


def test_manage_py_check_stops_on_a_bad_key(settings):
    from django.core.management.base import SystemCheckError

    settings.VAPID_PRIVATE_KEY = "not-a-key"
    with pytest.raises(SystemCheckError, match=r"push\.E001"):
        call_command("check", tags=["startup"])


def test_heroku_makes_the_key_at_setup_and_compose_passes_it_on():
    import json
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    app = json.loads((root / "app.json").read_text())
    assert app["env"]["VAPID_PRIVATE_KEY"]["generator"] == "secret"
    assert app["env"]["VAPID_SUBJECT"]["required"] is False
    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    assert "VAPID_PRIVATE_KEY" in compose["x-app"]["environment"]
    example = (root / ".env.example").read_text()
    assert re.search(r"^VAPID_PRIVATE_KEY=$", example, re.M)
    assert ".vapid-development-key" in (root / ".gitignore").read_text().split()
    assert ".vapid-development-key" in (root / ".dockerignore").read_text().split()


@pytest.mark.parametrize("form", ["pem", "base64url", "hex"])
def test_a_key_in_each_form_signs_what_a_push_service_takes(settings, key, form):
    from pywebpush import webpush

    from tests.pushservice import PushService

    settings.VAPID_PRIVATE_KEY = {
        "pem": key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        "base64url": keys.raw_private_key(key),
        "hex": f"{scalar(key):064x}",
    }[form]
    with PushService() as service:
        subscription = service.subscription(server_key=keys.public_key())
        webpush(
            subscription_info=subscription,
            data='{"title": "Bob followed you"}',
            vapid_private_key=keys.vapid(),
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            timeout=10,
        )
        [message] = service.delivered(subscription)
    assert message.payload == {"title": "Bob followed you"}


def test_a_development_key_that_cannot_be_written_leaves_push_off(settings, tmp_path):
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_DEVELOPMENT_KEY_FILE = tmp_path / "missing-folder" / "key"
    assert not keys.configured()
    assert keys.public_key() == ""
