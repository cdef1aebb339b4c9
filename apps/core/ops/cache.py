"""A Redis cache that degrades instead of failing when Redis is unreachable.

The cache holds nothing the site cannot do without: rate-limit counters, the periodic-job
locks, presence hints (sessions stay in the database, see settings). With Redis down, reads
miss and writes are dropped, and every page keeps working; rate limits are not enforced until
Redis is back (availability over throttling).

A failure opens a short circuit breaker: for BREAK_SECONDS every cache call in the process
skips Redis at once, so an outage costs one timeout every few seconds instead of one per call,
and the log gets one line per break instead of a traceback per call.
"""

import logging
import threading
import time

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


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._location = str(server)

    get = _degrade(lambda key, default=None, version=None: default)(RedisCache.get)
    get_many = _degrade(lambda *args, **kwargs: {})(RedisCache.get_many)
    set = _degrade(_nothing)(RedisCache.set)
    set_many = _degrade(lambda *args, **kwargs: [])(RedisCache.set_many)
    # "Added": locks and counters built on add() (allauth's rate limits) fail open rather than
    # locking everyone out while Redis is away.
    add = _degrade(lambda *args, **kwargs: True)(RedisCache.add)
    touch = _degrade(lambda *args, **kwargs: False)(RedisCache.touch)
    delete = _degrade(lambda *args, **kwargs: False)(RedisCache.delete)
    delete_many = _degrade(_nothing)(RedisCache.delete_many)
    has_key = _degrade(lambda *args, **kwargs: False)(RedisCache.has_key)
    incr = _degrade(lambda *args, **kwargs: 0)(RedisCache.incr)
    clear = _degrade(_nothing)(RedisCache.clear)
