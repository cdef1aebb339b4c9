"""gunicorn settings for every deployment (Docker, compose, Heroku).

Used as `gunicorn -c config/gunicorn.conf.py`.

Everything is read from the environment, so the platform decides the port and the size.
"""

import gc
import multiprocessing
import os
import shutil
import tempfile

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


# Metrics (/metrics): each worker writes its counters to files in this folder, and a scrape,
# whichever worker answers it, sums them all. Made (or emptied: counting starts again with
# the server) before the app is imported, as workers inherit it.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
else:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="eternity-metrics-")


def child_exit(server, worker) -> None:
    """A worker's gauges go with it; its counters stay in the sums."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


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
