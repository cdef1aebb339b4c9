"""A Redis cache that degrades instead of failing when Redis is unreachable.

The cache holds nothing the site cannot do without: rate-limit counters, the periodic-job
locks, presence hints (sessions stay in the database, see settings). With Redis down, reads
miss and writes are dropped, and every page keeps working; the site's own rate limits are not
enforced until Redis is back (availability over throttling).

Keys that guard sign-in never touch Redis: the cache's DATABASE_KEYS (key prefixes) live in
the cache named DATABASE_CACHE, in the database, whether Redis is up or down. allauth keeps
there the two-factor codes already used (a code works once) and its rate limits (failed
passwords, codes guessed); it reads the default cache, so the choice is made here, per key.

A failure opens a short circuit breaker: for BREAK_SECONDS every cache call in the process
skips Redis at once, so an outage costs one timeout every few seconds instead of one per call,
and the log gets one line per break instead of a traceback per call.
"""

import logging
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

BREAK_SECONDS = 5.0

_lock = threading.Lock()
_broken_until: dict[str, float] = {}  # per Redis location, shared by the process's threads


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
                with _lock:
                    _broken_until[location] = time.monotonic() + BREAK_SECONDS
                logger.warning(
                    "Redis unavailable during cache.%s (%s); skipping it for %.0f s",
                    method.__name__, error, BREAK_SECONDS,
                )  # fmt: skip
                return fallback(*args, **kwargs)
            if location in _broken_until:
                with _lock:
                    _broken_until.pop(location, None)
                logger.info("Redis answers again")
            return result

        wrapper.__name__ = method.__name__
        return wrapper

    return decorator


def _nothing(*args, **kwargs):
    return None


def _routed(method):
    """Run the cache method on the database cache for a key it keeps, else on Redis."""

    def wrapper(self, key, *args, **kwargs):
        if self._database_keys and str(key).startswith(self._database_keys):
            return getattr(caches[self._database_cache], method.__name__)(key, *args, **kwargs)
        return method(self, key, *args, **kwargs)

    wrapper.__name__ = method.__name__
    return wrapper


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._location = str(server)
        self._database_keys = tuple(params.get("DATABASE_KEYS", ()))
        self._database_cache = params.get("DATABASE_CACHE", "")

    get = _routed(_degrade(lambda key, default=None, version=None: default)(RedisCache.get))
    _get_many = _degrade(lambda *args, **kwargs: {})(RedisCache.get_many)
    set = _routed(_degrade(_nothing)(RedisCache.set))
    _set_many = _degrade(lambda *args, **kwargs: [])(RedisCache.set_many)
    # "Added": locks and counters built on add() fail open rather than locking everyone out
    # while Redis is away (allauth's, which must not, are DATABASE_KEYS).
    add = _routed(_degrade(lambda *args, **kwargs: True)(RedisCache.add))
    touch = _routed(_degrade(lambda *args, **kwargs: False)(RedisCache.touch))
    delete = _routed(_degrade(lambda *args, **kwargs: False)(RedisCache.delete))
    _delete_many = _degrade(_nothing)(RedisCache.delete_many)
    has_key = _routed(_degrade(lambda *args, **kwargs: False)(RedisCache.has_key))
    incr = _routed(_degrade(lambda *args, **kwargs: 0)(RedisCache.incr))
    clear = _degrade(_nothing)(RedisCache.clear)

    def _split(self, keys) -> tuple[list, list]:
        kept = [key for key in keys if self._database_keys and
                str(key).startswith(self._database_keys)]  # fmt: skip
        return kept, [key for key in keys if key not in kept]

    def get_many(self, keys, version=None) -> dict:
        kept, rest = self._split(list(keys))
        found = self._get_many(rest, version=version) if rest else {}
        if kept:
            found |= caches[self._database_cache].get_many(kept, version=version)
        return found

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None) -> list:
        kept, rest = self._split(list(data))
        failed = self._set_many({k: data[k] for k in rest}, timeout, version) if rest else []
        if kept:
            kept_data = {k: data[k] for k in kept}
            failed += caches[self._database_cache].set_many(kept_data, timeout, version)
        return failed

    def delete_many(self, keys, version=None) -> None:
        kept, rest = self._split(list(keys))
        if rest:
            self._delete_many(rest, version=version)
        if kept:
            caches[self._database_cache].delete_many(kept, version=version)
