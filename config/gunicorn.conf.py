"""gunicorn settings for every deployment (Docker, compose, Heroku).

Used as `gunicorn -c config/gunicorn.conf.py`.

Everything is read from the environment, so the platform decides the port and the size.
"""

import gc
import multiprocessing
import os

# Heroku and most platforms give the port; the container's argument can override `bind`.
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# WEB_CONCURRENCY is the platform convention (Heroku sets it from the dyno size).
workers = int(os.environ.get("WEB_CONCURRENCY") or min(multiprocessing.cpu_count() * 2 + 1, 8))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
wsgi_app = "config.wsgi"

timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# The site is imported once, in the master, and the workers are forked from it: they start
# in milliseconds and share the imported code's memory. (Django opens no connection at
# import, so none is shared across the fork.)
preload_app = True
# Recycle workers now and then so a slow leak never becomes an outage; rarely, and not all at
# once, and cheaply since the app is preloaded.
max_requests = 10_000
max_requests_jitter = 2_000


def pre_fork(server, worker) -> None:
    """Everything the master has loaded (the whole app) is frozen out of garbage collection:
    workers never walk it in a collection pass, and keep sharing its memory pages."""
    gc.freeze()


# Behind nginx (deploy/serve.sh) nginx logs each request and this is empty.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Trust X-Forwarded-* only from the proxy in front (Heroku's router, a load balancer, the
# compose network). Set FORWARDED_ALLOW_IPS to its address, or "*" when only the proxy can
# reach the app (Heroku).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# /dev/shm avoids slow disk heartbeats in containers.
SHARED_MEMORY = "/dev/shm"  # noqa: S108 (a RAM disk, only for worker heartbeat files)
worker_tmp_dir = SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None
