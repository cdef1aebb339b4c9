"""The site's caches: a Redis cache that degrades instead of failing when Redis is
unreachable, and, with or without Redis, the keys that guard sign-in kept in a table of their
own in the database.

The cache holds nothing the site cannot do without: rate-limit counters, presence hints
(sessions stay in the database, see settings, and so does the periodic jobs' schedule, see
core.jobs.periodic). With Redis down, reads miss and writes are dropped, and every page keeps
working; the site's own rate limits are not enforced until Redis is back (availability over
throttling).

Keys that guard sign-in never touch Redis nor share a table: the cache's DATABASE_KEYS (key
prefixes) live in the cache named DATABASE_CACHE, a table of their own, whether Redis is up,
down or not there. allauth keeps there the two-factor codes already used (a code works once)
and its rate limits (failed passwords, codes guessed); it reads the default cache, so the
choice is made here, per key (KeyRouting). A database cache that passes its MAX_ENTRIES culls
a third of its live rows in key order, so a flood of other keys in a shared table would push
out the used-code markers first; expired rows are purged every hour (core.tasks).

A failure opens a short circuit breaker: for BREAK_SECONDS every cache call in the process
skips Redis at once, so an outage costs one timeout every few seconds instead of one per call,
and the log gets one line per break instead of a traceback per call.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.db import connections, router
from django.utils import timezone
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

BREAK_SECONDS = 5.0

_lock = threading.Lock()
_broken_until: dict[str, float] = {}  # per Redis location, shared by the process's threads


def _break(location: str, during: str, error: RedisError) -> None:
    with _lock:
        _broken_until[location] = time.monotonic() + BREAK_SECONDS
    logger.warning(
        "Redis unavailable during %s (%s); skipping it for %.0f s", during, error, BREAK_SECONDS
    )


def _mend(location: str) -> None:
    if location in _broken_until:
        with _lock:
            _broken_until.pop(location, None)
        logger.info("Redis answers again")


def _degrade(fallback):
    """Run the cache method unless the breaker is open; on a Redis error, open it and answer
    `fallback(*args, **kwargs)` as if Redis had nothing (or accepted the write)."""

    def decorator(method):
        def wrapper(self, *args, **kwargs):
            location = self._location
            if time.monotonic() < _broken_until.get(location, 0.0):
                return fallback(*args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except RedisError as error:
                _break(location, f"cache.{method.__name__}", error)
                return fallback(*args, **kwargs)
            _mend(location)
            return result

        wrapper.__name__ = method.__name__
        return wrapper

    return decorator


def _nothing(*args, **kwargs):
    return None


class KeyRouting:
    """Sends the keys that start with one of the cache's DATABASE_KEYS prefixes to the cache
    named DATABASE_CACHE, and every other key to this one. allauth reads and writes the
    default cache only, so the sign-in guards are kept apart here, per key."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._database_keys = tuple(params.get("DATABASE_KEYS", ()))
        self._database_cache = params.get("DATABASE_CACHE", "")

    def _kept(self, key) -> bool:
        return bool(self._database_keys) and str(key).startswith(self._database_keys)

    def _keeper(self):
        return caches[self._database_cache]

    def _split(self, keys) -> tuple[list, list]:
        kept = [key for key in keys if self._kept(key)]
        return kept, [key for key in keys if not self._kept(key)]

    def get_many(self, keys, version=None) -> dict:
        kept, rest = self._split(list(keys))
        found = super().get_many(rest, version=version) if rest else {}
        if kept:
            found |= self._keeper().get_many(kept, version=version)
        return found

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        kept, rest = self._split(list(data))
        failed = super().set_many({k: data[k] for k in rest}, timeout, version) if rest else []
        if kept:
            failed += self._keeper().set_many({k: data[k] for k in kept}, timeout, version)
        return failed

    def delete_many(self, keys, version=None) -> None:
        kept, rest = self._split(list(keys))
        if rest:
            super().delete_many(rest, version=version)
        if kept:
            self._keeper().delete_many(kept, version=version)


def _route(name: str):
    """A single-key cache method of KeyRouting: to the keeper for a kept key, else on."""

    def method(self, key, *args, **kwargs):
        if self._kept(key):
            return getattr(self._keeper(), name)(key, *args, **kwargs)
        return getattr(super(KeyRouting, self), name)(key, *args, **kwargs)

    method.__name__ = name
    return method


for _name in ("get", "set", "add", "touch", "delete", "has_key", "incr"):
    setattr(KeyRouting, _name, _route(_name))


class _DegradingRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._location = str(server)

    def answers(self) -> bool:
        """Whether Redis answers a PING now: within the socket timeouts (half a second each),
        and at once while the breaker is open, so a readiness probe stays fast when Redis
        hangs. A failure opens the breaker, as any other cache call's would."""
        if time.monotonic() < _broken_until.get(self._location, 0.0):
            return False
        try:
            self._cache.get_client(write=True).ping()
        except RedisError as error:
            _break(self._location, "the readiness check", error)
            return False
        _mend(self._location)
        return True

    get = _degrade(lambda key, default=None, version=None: default)(RedisCache.get)
    get_many = _degrade(lambda *args, **kwargs: {})(RedisCache.get_many)
    set = _degrade(_nothing)(RedisCache.set)
    set_many = _degrade(lambda *args, **kwargs: [])(RedisCache.set_many)
    # "Added": locks and counters built on add() fail open rather than locking everyone out
    # while Redis is away (allauth's, which must not, are DATABASE_KEYS).
    add = _degrade(lambda *args, **kwargs: True)(RedisCache.add)
    touch = _degrade(lambda *args, **kwargs: False)(RedisCache.touch)
    delete = _degrade(lambda *args, **kwargs: False)(RedisCache.delete)
    delete_many = _degrade(_nothing)(RedisCache.delete_many)
    has_key = _degrade(lambda *args, **kwargs: False)(RedisCache.has_key)
    incr = _degrade(lambda *args, **kwargs: 0)(RedisCache.incr)
    clear = _degrade(_nothing)(RedisCache.clear)


class ResilientRedisCache(KeyRouting, _DegradingRedisCache):
    """The default cache with REDIS_URL: Redis that degrades, the sign-in guards aside."""


class RoutedDatabaseCache(KeyRouting, DatabaseCache):
    """The default cache without Redis: the database cache table, the sign-in guards aside in
    their own table, so nothing else in the cache (presence, the site's own rate limits)
    can fill theirs."""


def purge_expired(alias: str) -> int:
    """Delete the rows of a database cache that have expired; return how many. Django does
    it only when a table is past MAX_ENTRIES, and then also culls a third of the live rows,
    in key order."""
    location = settings.CACHES[alias]["LOCATION"]
    connection = connections[router.db_for_write(caches[alias].cache_model_class)]
    table = connection.ops.quote_name(location)
    now = timezone.now().replace(microsecond=0)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE expires < %s",  # noqa: S608 (the table name is a setting)
            [connection.ops.adapt_datetimefield_value(now)],
        )
        return cursor.rowcount
