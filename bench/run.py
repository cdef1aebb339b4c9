"""`make bench`: request timings for the hot paths, with the targets they must meet.

Runs against a throwaway database (SQLite by default, or DATABASE_URL) filled with 100
members and 300 posts, through Django's full request stack (middleware, sessions, templates).
Speed targets live here, never in the unit tests.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

TARGETS_MS = {  # p95 on a CI machine (2 cores)
    "presence poll, 100 users": 60,
    "feed page, 10 cards": 150,
    "profile page": 150,
    "post page with comments": 150,
}


def measure(client: Client, url: str, runs: int = 60, **headers) -> tuple[float, float, int]:
    client.get(url, headers=headers)  # warm caches and the template loader
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(url, headers=headers)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], len(queries)


def main() -> int:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from apps.feed import services as feed
    from tests.factories import PostFactory, UserFactory

    users = UserFactory.create_batch(100)
    for n in range(300):
        post = PostFactory(author=users[n % 100])
        feed.create_comment(author=users[(n + 1) % 100], post=post, text="Nice")
        feed.set_like(user=users[(n + 2) % 100], post=post, liked=True)
    reader = Client()
    reader.force_login(users[0])
    names = "&".join(f"u={u.username}" for u in users)
    post = users[5].posts.first()
    cases = {
        "presence poll, 100 users": ("/presence/?" + names, {"HX-Request": "true"}),
        "feed page, 10 cards": ("/", {}),
        "profile page": (f"/u/{users[5].username}/", {}),
        "post page with comments": (post.get_absolute_url(), {}),
    }
    failed = False
    print(f"{'path':32} {'p50 ms':>8} {'p95 ms':>8} {'target':>8} {'queries':>8}")
    for name, (url, headers) in cases.items():
        reset_queries()
        p50, p95, queries = measure(reader, url, **headers)
        ok = p95 <= TARGETS_MS[name]
        failed |= not ok
        print(f"{name:32} {p50:8.1f} {p95:8.1f} {TARGETS_MS[name]:8} {queries:8}"
              f"{'' if ok else '  MISSED'}")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
