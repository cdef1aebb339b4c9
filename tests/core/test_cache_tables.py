"""The keys that guard sign-in (two-factor codes already used, allauth's rate-limit counters)
have a database table of their own, so no flood of other keys can push them out; expired rows
of every database cache table are purged every hour."""

import copy
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection

from apps.core import tasks
from apps.core.jobs import periodic
from config import settings as site_settings

pytestmark = pytest.mark.django_db

USED_CODE = "allauth.mfa.totp.used?user=1&code=123456"


def rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (a constant)
        return cursor.fetchone()[0]


@pytest.fixture
def small_database_cache(settings):
    """The cache as it is without Redis, with a default table that fills after 30 keys."""
    default = copy.deepcopy(site_settings.DATABASE_CACHE)
    default["OPTIONS"] = {"MAX_ENTRIES": 30}
    settings.CACHES = {"default": default, "security": site_settings.SECURITY_CACHE}
    call_command("createcachetable")  # the test database has django_cache only without Redis


@pytest.mark.usefixtures("small_database_cache")
def test_a_flood_of_other_keys_never_culls_a_used_two_factor_code():
    cache = caches["default"]
    assert cache.add(USED_CODE, 1, timeout=300) is True
    for n in range(100):  # past MAX_ENTRIES: Django culls a third of the table, in key order
        cache.set(f"presence:{n}", 1, timeout=300)
    assert rows("django_cache") <= 31
    assert cache.add(USED_CODE, 1, timeout=300) is False  # still marked used: the code fails
    assert rows("security_cache") == 1


@pytest.mark.usefixtures("small_database_cache")
def test_the_hourly_job_deletes_expired_rows_and_keeps_live_ones():
    caches["security"].set("allauth:rl:soon", 1, timeout=60)
    caches["security"].set("allauth:rl:later", 1, timeout=3600)
    caches["default"].set("presence:soon", 1, timeout=60)
    with time_machine.travel(timedelta(minutes=5)):
        result = tasks.purge_expired_cache_rows.call()
    assert result == "2 expired cache row(s) removed"
    assert rows("security_cache") == 1
    assert caches["security"].get("allauth:rl:later") == 1
    assert periodic.SCHEDULE["apps.core.tasks.purge_expired_cache_rows"].seconds == 3600
