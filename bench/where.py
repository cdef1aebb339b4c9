"""Where a page's time goes: `python bench/where.py "feed, logged in" [requests]`.

It builds the benchmark's dataset in a database of its own, then serves the page in this
process through the site's WSGI application (production settings, DEBUG=0) under cProfile
and prints the functions that cost the most, and how the time splits between templates,
SQL and the rest. The names are those of `make bench`'s table.
"""

import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import site_env  # noqa: E402
from tests.servers import own_database  # noqa: E402


def _environ(path: str, headers: dict[str, str]) -> dict[str, object]:
    route, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    for key, value in headers.items():
        environ["HTTP_" + key.upper().replace("-", "_")] = value
    return environ


def main(name: str, count: int) -> None:
    with tempfile.TemporaryDirectory() as media, own_database(Path(media)) as url:
        os.environ.update(site_env(url, media, os.environ.get("REDIS_URL", "")))
        import django

        django.setup()
        from django.core.management import call_command

        from bench import dataset

        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        # "a viewer's first poll": each request from another viewer's session, as when
        # many people open the site at once (their beats and first answers included).
        first_polls = name == "a viewer's first poll"
        facts = dataset.build(count + 30 if first_polls else 20)
        path, member, poll = dataset.pages(facts)["presence poll, 200" if first_polls else name]
        headers = {"Cookie": f"sessionid={facts['reader_session']}"} if member else {}
        if poll:
            headers |= {"HX-Request": "true", "X-Background": "1"}
        from config.wsgi import application  # what gunicorn serves

        viewers = iter(facts["viewer_sessions"])

        def serve(extra: dict[str, str]) -> list[str]:
            if first_polls:
                extra = extra | {"Cookie": f"sessionid={next(viewers)}"}
            found = []
            body = application(_environ(path, headers | extra), lambda s, h: found.extend([s, h]))
            b"".join(body)
            body.close()
            return found

        _status, response_headers = serve({})
        if name.endswith(", 304"):
            headers["If-None-Match"] = dict(response_headers)["ETag"]
        # Warm: caches, once-a-minute writes, compiled templates.
        for _ in range(0 if first_polls else 20):
            serve({})
        print(f"{name}: {path} → {serve({})[0]}")
        started = time.process_time()
        for _ in range(count):
            serve({})
        plain = (time.process_time() - started) / count * 1000
        print(f"{plain:.3f} ms of CPU a request without the profiler ({count} requests)")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(count):
            serve({})
        profiler.disable()
        stats = pstats.Stats(profiler)
        total = stats.total_tt
        print(f"{total / count * 1000:.2f} ms a request under the profiler ({count} requests)\n")
        shares = {"templates": "django/template/", "SQL": "django/db/", "urls": "django/urls/"}
        for label, part in shares.items():
            costs = [row[3] for (file, _line, _func), row in stats.stats.items() if part in file]
            spent = max(costs, default=0.0)
            print(f"  the most costly {label} call: {spent / total:.0%} of the time")
        print()
        order, top = os.environ.get("SORT", "cumulative"), int(os.environ.get("TOP", "40"))
        stats.sort_stats(order).print_stats(top)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200)
