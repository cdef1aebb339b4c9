"""A Redis cache that degrades instead of failing when Redis is unreachable.

The cache holds nothing the site cannot do without: rate-limit counters, cached sessions
(the cached_db backend falls back to the database), presence hints. With Redis down, reads
miss and writes are dropped, with a warning in the log, and every page keeps working; rate
limits are not enforced until Redis is back (availability over throttling).
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _degrade(default_factory):
    def decorator(method):
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except RedisError:
                logger.warning("Redis unavailable during cache.%s", method.__name__, exc_info=True)
                return default_factory()

        wrapper.__name__ = method.__name__
        return wrapper

    return decorator


class ResilientRedisCache(RedisCache):
    get_many = _degrade(dict)(RedisCache.get_many)
    set = _degrade(lambda: None)(RedisCache.set)
    set_many = _degrade(list)(RedisCache.set_many)
    # "Added": locks and counters built on add() (allauth's rate limits) fail open rather than
    # locking everyone out while Redis is away.
    add = _degrade(lambda: True)(RedisCache.add)
    touch = _degrade(lambda: False)(RedisCache.touch)
    delete = _degrade(lambda: False)(RedisCache.delete)
    delete_many = _degrade(lambda: None)(RedisCache.delete_many)
    has_key = _degrade(lambda: False)(RedisCache.has_key)
    incr = _degrade(lambda: 0)(RedisCache.incr)
    clear = _degrade(lambda: None)(RedisCache.clear)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError:
            logger.warning("Redis unavailable during cache.get", exc_info=True)
            return default
