"""With Redis down, sign-in stays guarded: a two-factor code still works once, and guessing
codes or passwords still meets the limit, because allauth's used codes and rate-limit counters
are kept in the database cache whether Redis is up or down (apps/core/ops/cache.py). Run with
the site's real cache settings, Redis pointed at a closed port."""

import importlib
import time

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP
from django.core.cache import caches
from django.db import connection
from django.test import Client

from tests.factories import PASSWORD
from tests.servers import HeldPort
from tests.two_factor import totp_code

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TOO_MANY = "Too many failed login attempts"


@pytest.fixture
def redis_down(settings, monkeypatch):
    """The site's cache settings as production builds them from REDIS_URL, with Redis refusing
    connections (a bound port nobody listens on)."""
    import config.settings
    from apps.core.ops import cache

    down = HeldPort()
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{down.port}/0")
    settings.CACHES = importlib.reload(config.settings).CACHES
    monkeypatch.undo()
    importlib.reload(config.settings)
    cache._broken_until.clear()
    yield
    cache._broken_until.clear()
    down.release()


@pytest.fixture
def two_factor(user):
    TOTP.activate(user, SECRET)
    return user


@pytest.fixture
def one_window():
    """Inside one 30-second window, the clock stopped: the same code stays current."""
    with time_machine.travel((int(time.time()) // 30) * 30 + 1, tick=False):
        yield


def password_step() -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    return client


def enter(client: Client, code: str):
    return client.post("/accounts/2fa/authenticate/", {"code": code})


@pytest.mark.usefixtures("redis_down", "one_window")
def test_with_redis_down_a_two_factor_code_works_once(two_factor):
    code = totp_code(SECRET)
    member = password_step()
    assert enter(member, code).status_code == 302
    assert member.session["_auth_user_id"] == str(two_factor.pk)

    replay = password_step()  # someone who saw the code, in the same window
    refused = enter(replay, code)
    assert refused.status_code == 200
    assert "Incorrect code." in refused.content.decode()
    assert "_auth_user_id" not in replay.session


@pytest.mark.usefixtures("redis_down")
def test_with_redis_down_guessing_codes_still_meets_the_limit(two_factor):
    client = password_step()
    answers = [enter(client, f"{guess:06d}") for guess in range(5)]
    assert all(a.status_code == 200 and "Incorrect code." in a.content.decode() for a in answers)
    response = enter(client, totp_code(SECRET))
    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.usefixtures("redis_down")
def test_with_redis_down_guessing_passwords_still_meets_the_limit(user):
    for _ in range(5):
        Client().post("/accounts/login/", {"login": "alice", "password": "wrong"})
    response = Client().post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()


def kept_keys() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM security_cache")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize("redis", ["as configured", "down"])
@pytest.mark.usefixtures("one_window")
def test_used_codes_and_login_counters_are_kept_in_the_database(request, two_factor, redis):
    # Also catches allauth renaming its keys (settings.SECURITY_CACHE_KEYS would miss them).
    if redis == "down":
        request.getfixturevalue("redis_down")
    Client().post("/accounts/login/", {"login": "alice", "password": "wrong"})
    enter(password_step(), totp_code(SECRET))
    keys = kept_keys()
    assert any("allauth:rl:allauth.account:login_failed" in key for key in keys)
    assert any(f"allauth.mfa.totp.used?user={two_factor.pk}" in key for key in keys)


@pytest.mark.usefixtures("redis_down")
def test_with_redis_down_kept_keys_answer_from_the_database_one_or_many():
    cache = caches["default"]
    cache.set_many({"allauth:rl:x": [1.0], "presence:y": 1})
    assert cache.add("allauth.mfa.totp.used?user=1&code=123456", "y") is True
    assert cache.add("allauth.mfa.totp.used?user=1&code=123456", "y") is False
    assert cache.get_many(["allauth:rl:x", "presence:y"]) == {"allauth:rl:x": [1.0]}
    cache.delete_many(["allauth:rl:x", "presence:y"])
    assert caches["security"].get("allauth:rl:x") is None
