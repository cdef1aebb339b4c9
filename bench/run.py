"""`make bench`: a load benchmark of the site as production runs it, on SQLite and on
PostgreSQL + Redis, beside Django's floor.

BENCH_DATABASES picks the setups, in order (default "sqlite,postgres"):

- sqlite: SQLite and the database cache, the site with nothing else installed;
- postgres: PostgreSQL and Redis. The database is made for the run and dropped after it, on
  the server BENCH_POSTGRES_URL names (default the local one, user postgres); Redis is
  BENCH_REDIS_URL (default database 14 of the local server, one nothing else uses), emptied
  before the run.

Both servers are tried before anything is measured, and one that does not answer stops the
run (exit 1) with the reason: a benchmark that quietly skipped half of itself would read as
a pass.

On each, the site is served by gunicorn and `config/gunicorn.conf.py` (production settings,
DEBUG=0) on a generated dataset, and beside it `bench/floor.py` (one view returning "ok")
under the same gunicorn settings. wrk drives both on loopback, page after page, in
interleaved rounds, so both see the same machine. Each page's row: requests a second, their
share of the floor's (for information: the machine's speed varies from run to run), p50 and
p99 latency, server CPU per request (gunicorn's master and workers, from /proc; the
database's and Redis's own processes are not in it), queries and errors; the floor's row
gives its own CPU per request, the least a request can cost.

The presence poll is measured as the feed page sends it (badges, online now, the bell, and its
tab's new posts since where the reader left off: `feed=`, `top=`) and
as a conversation's page sends it (its header's badge, the bell, and the conversation from
its newest message on: `c=`, `after=`), each answered 200 and 304; "conversation poll, new"
is that page one message behind, so that each poll brings a message.

Then the presence scenario: N viewers, each with a session of their own, open the page
(their first poll, ARRIVALS_PER_SECOND of them a second) and then hold it open for a minute,
polling every 30 s exactly as the page does (badges, online now, the bell; If-None-Match),
for N = 1,000, 3,000 and 10,000. Only that minute is measured: the polls served a second,
their latency, errors, the share answered 304, and the server's CPU from the minute's start
to its last answer, per poll served.

The targets are mostly server CPU per request, which depends on the code and the processor
far more than on what else the machine is doing:

- a presence poll, the feed's or a conversation's: ≤ 1 ms when answered 304, ≤ 2 ms when
  answered 200;
- the feed (logged in), a profile, a tag and a post page: ≤ 10 ms;
- the busiest presence scenario: ≥ 99% of the polls wanted served, no error, p99 ≤ 1 s, and
  ≥ 90% of its polls answered 304;
- /healthz/ p99 at most twice the floor's (a worker being recycled must not show).

Each setup gets its tables under a heading; the run ends with what each missed, and exits 1
when anything was. It is not part of `make test`. BENCH_SECONDS (per wrk run), BENCH_ROUNDS
(0: only the presence scenario), BENCH_VIEWERS (comma-separated) and BENCH_VIEWER_SECONDS
shorten it; BENCH_VIEWERS=0 leaves the presence scenario out, and BENCH_PAGES
(comma-separated beginnings of the pages' names, e.g. "presence poll,conversation poll")
measures only those pages beside the floor.
"""

import asyncio
import json
import math
import os
import re
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import free_port, own_database, stop_group, wait_until_up  # noqa: E402

PYTHON = sys.executable
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
VIEWERS = [n for n in map(int, os.environ.get("BENCH_VIEWERS", "1000,3000,10000").split(",")) if n]
PAGES = [name.strip() for name in os.environ.get("BENCH_PAGES", "").split(",") if name.strip()]
VIEWER_SECONDS = int(os.environ.get("BENCH_VIEWER_SECONDS", "60"))
DATABASE_KEYS = os.environ.get("BENCH_DATABASES", "sqlite,postgres").split(",")
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
POLL_INTERVAL = 30
# What every browser sends.
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}
# What presence.js adds to its polls.
POLL = {"HX-Request": "true", "X-Background": "1"}
# Viewers open the page this many a second, and the measured minute begins this many seconds
# after the last has.
ARRIVALS_PER_SECOND = 150
SETTLE_SECONDS = 2
CONNECTIONS = 64
# A server is idle once it used less than this share of one core over this many seconds.
IDLE_SHARE = 0.05
IDLE_SECONDS = 0.5
TICKS = os.sysconf("SC_CLK_TCK")

# The most server CPU a request may cost, in milliseconds.
CPU_TARGETS_MS = {
    "presence poll, 304": 1.0,
    "presence poll, 200": 2.0,
    "conversation poll, 304": 1.0,
    "conversation poll, 200": 2.0,
    "conversation poll, new": 2.0,
    "feed, logged in": 10.0,
    "profile page": 10.0,
    "tag page": 10.0,
    "post page": 10.0,
}
# The busiest presence scenario: every viewer served, none waiting a second, and most polls
# answered from the digest of unchanged data.
SCALE_SERVED_SHARE = 0.99
SCALE_P99_SECONDS = 1.0
SCALE_NOT_MODIFIED_SHARE = 0.90
# A worker being recycled must not show: the site's /healthz/ p99 stays within this many
# times the floor's (the floor runs the same gunicorn settings, recycling included).
HEALTHZ_P99_OVER_FLOOR = 2.0


# --- Databases ---------------------------------------------------------------------------------


def _address(url: str) -> str:
    """Where a server is, without the credentials its URL may hold."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or ''}".rstrip(":")


@dataclass(frozen=True)
class Database:
    """A setup the site runs on: a PostgreSQL server ("": SQLite) and Redis ("": the
    database cache)."""

    title: str
    postgres_url: str = ""
    redis_url: str = ""

    def unreachable(self) -> list[str]:
        """Why each of its servers cannot be used, for those that cannot."""
        found = []
        if self.postgres_url:
            try:
                psycopg.connect(self.postgres_url, connect_timeout=5).close()
            except psycopg.Error as error:
                reason = str(error).strip().splitlines()[0]
                found.append(f"PostgreSQL at {_address(self.postgres_url)}: {reason}")
        if self.redis_url:
            try:
                redis.Redis.from_url(self.redis_url, socket_connect_timeout=5).ping()
            except redis.RedisError as error:
                found.append(f"Redis at {_address(self.redis_url)}: {error}")
        return found

    @contextmanager
    def site_env(self, media: Path) -> Iterator[dict[str, str]]:
        """The site's environment on a throwaway database (and an emptied Redis database)."""
        with own_database(media, server=self.postgres_url) as url:
            if self.redis_url:
                redis.Redis.from_url(self.redis_url).flushdb()
            yield site_env(url, str(media), self.redis_url)


DATABASES = {
    "sqlite": Database("SQLite + the database cache"),
    "postgres": Database("PostgreSQL + Redis", POSTGRES_URL, REDIS_URL),
}


def chosen_databases() -> list[Database]:
    """The setups BENCH_DATABASES names, each of whose servers answers; else exit 1."""
    unknown = [key for key in DATABASE_KEYS if key not in DATABASES]
    if unknown:
        raise SystemExit(f"BENCH_DATABASES: unknown {', '.join(unknown)} "
                         f"(choose from {', '.join(DATABASES)})")  # fmt: skip
    databases = [DATABASES[key] for key in dict.fromkeys(DATABASE_KEYS)]
    problems = [problem for database in databases for problem in database.unreachable()]
    if problems:
        raise SystemExit(
            "make bench cannot use:\n"
            + "".join(f"  {problem}\n" for problem in problems)
            + "Start it, name another with BENCH_POSTGRES_URL or BENCH_REDIS_URL, or leave "
            "PostgreSQL + Redis out: BENCH_DATABASES=sqlite make bench"
        )
    return databases


# --- Processes -------------------------------------------------------------------------------


def ensure_wrk() -> str:
    if found := shutil.which("wrk"):
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        return shutil.which("wrk") or "wrk"
    raise SystemExit("make bench needs wrk: sudo apt-get install wrk")


def site_env(database_url: str, media: str, redis_url: str = "") -> dict[str, str]:
    """Production settings on plain loopback HTTP, with Redis only when `redis_url` names it."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    inherited.pop("REDIS_URL", None)
    if redis_url:
        inherited["REDIS_URL"] = redis_url
    return inherited | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SITE_URL": "http://127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": media,
        # As deployed behind nginx, which logs the requests; the floor runs the same way.
        "GUNICORN_ACCESS_LOG": "",
        "GUNICORN_LOG_LEVEL": "warning",
        "PYTHONPATH": str(ROOT),
    }


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """CPU used so far by the master and its workers, those recycled included (their
        time is added to the master's children's time when it reaps them)."""
        pids = [self.process.pid, *_children(self.process.pid)]
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue  # a worker that just exited: the master counts it once reaped
            utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
            total += utime + stime + (cutime + cstime if pid == self.process.pid else 0)
        return total / TICKS

    def wait_until_idle(self, seconds: float = 120) -> None:
        """Wait until the requests a run left queued are served, so that they weigh on
        neither the next run's speed nor its CPU: until the server's CPU stops moving."""
        deadline = time.monotonic() + seconds
        used = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(IDLE_SECONDS)
            used, before = self.cpu_seconds(), used
            if used - before < IDLE_SECONDS * IDLE_SHARE:
                return
        raise SystemExit(f"{self.name} was still busy {seconds:g} s after its last request")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split()
        found.extend(int(child) for child in children)
    return found


@contextmanager
def gunicorn(name: str, app: str, env: dict[str, str]) -> Iterator[Server]:
    port = free_port()
    command = [PYTHON, "-m", "gunicorn", "-c", "config/gunicorn.conf.py",
               "--bind", f"127.0.0.1:{port}", app]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process, seconds=60)
        yield Server(name, port, process)
    finally:
        stop_group(process, seconds=20)


# --- wrk ---------------------------------------------------------------------------------------


@dataclass
class Run:
    rate: float
    p50: float
    p99: float
    requests: int
    errors: int
    cpu_ms: float


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise SystemExit(f"wrk printed a latency this benchmark cannot read: {text!r}")
    number, unit = found.groups()
    return float(number) * UNITS[unit]


def wrk(wrk_bin: str, server: Server, path: str, headers: dict[str, str]) -> Run:
    command = [wrk_bin, "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "--timeout", "10s"]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    before = server.cpu_seconds()
    output = subprocess.run(
        [*command, server.url + path], capture_output=True, text=True, check=True
    ).stdout
    # Only while wrk ran: the requests it left queued cost CPU but are not in its count.
    cpu = server.cpu_seconds() - before
    server.wait_until_idle()
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = (int(bad.group(1)) if bad else 0) + (
        sum(int(n) for n in sockets.groups()) if sockets else 0
    )
    return Run(
        rate=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50=_ms(re.search(r"(?m)^\s+50%\s+(\S+)", output).group(1)),
        p99=_ms(re.search(r"(?m)^\s+99%\s+(\S+)", output).group(1)),
        requests=requests,
        errors=errors,
        cpu_ms=cpu * 1000 / max(requests, 1),
    )


# --- The presence scenario ---------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * share))] if values else float("nan")


@dataclass
class Scale:
    """The measured minute of one presence scenario; the viewers' arrivals are counted only
    in `arrival_errors`."""

    viewers: int
    latencies: list[float] = field(default_factory=list)  # seconds, of each poll served
    not_modified: int = 0
    errors: int = 0
    arrival_errors: int = 0
    cpu_seconds: float = 0.0  # the server's, from the minute's start to its last answer
    seconds: float = 0.0  # from the minute's start to its last answer

    def answered(self, status: int, latency: float) -> None:
        """Count a poll of the minute that got an answer: served, or an error."""
        if status in (200, 304):
            self.latencies.append(latency)
            self.not_modified += status == 304
        else:
            self.errors += 1

    @property
    def served(self) -> int:
        return len(self.latencies)

    @property
    def wanted_per_second(self) -> float:
        return self.viewers / POLL_INTERVAL

    @property
    def served_per_second(self) -> float:
        return self.served / VIEWER_SECONDS

    @property
    def not_modified_share(self) -> float:
        return self.not_modified / self.served if self.served else float("nan")

    @property
    def cpu_ms_per_poll(self) -> float:
        return self.cpu_seconds * 1000 / self.served if self.served else float("nan")

    @property
    def cpu_percent(self) -> float:
        return self.cpu_seconds / self.seconds * 100 if self.seconds else float("nan")


POLL_FAILURES = (TimeoutError, OSError, ValueError, IndexError)


async def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, str | None]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
        lines += [f"{key}: {value}" for key, value in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    status = int(head.split(" ", 2)[1])
    etag = re.search(r"(?im)^etag:\s*(.+?)\s*$", head)
    return status, etag.group(1) if etag else None


async def _poll(port: int, path: str, headers: dict[str, str], etag: str | None):
    return await asyncio.wait_for(
        _get(port, path, headers | ({"If-None-Match": etag} if etag else {})), 10
    )


async def _viewer(index: int, scale: Scale, port: int, path: str, session: str,
                  arrive: float, start: float, end: float):  # fmt: skip
    """One open tab. It arrives (its page's first poll, not measured) at `arrive`; from
    `start` it polls every POLL_INTERVAL, the tabs' polls spread evenly over the interval, and
    like htmx never sends a poll while the previous one is still out."""
    headers = BROWSER | POLL | {"Cookie": f"sessionid={session}"}
    etag = None
    await asyncio.sleep(max(0.0, arrive - time.monotonic()))
    try:
        status, etag = await _poll(port, path, headers, None)
        if status != 200:
            scale.arrival_errors += 1
    except POLL_FAILURES:
        scale.arrival_errors += 1
    start += POLL_INTERVAL * index / scale.viewers
    polls = 0
    while (due := start + POLL_INTERVAL * polls) < end:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        polls += 1
        sent = time.monotonic()
        try:
            status, new_etag = await _poll(port, path, headers, etag)
        except POLL_FAILURES:
            scale.errors += 1
            continue
        scale.answered(status, time.monotonic() - sent)
        if status == 200:
            etag = new_etag or etag


def presence_scenario(server: Server, viewers: int, path: str, sessions: list[str]) -> Scale:
    """The viewers arrive first, ARRIVALS_PER_SECOND of them a second, each making its first
    poll (a 200 and its session's first presence write, as after loading a page); then all
    of them hold their pages open for VIEWER_SECONDS, which is what is measured, the server's
    CPU until the last of those polls is answered."""
    scale = Scale(viewers)
    arrival = viewers / ARRIVALS_PER_SECOND

    async def main() -> None:
        now = time.monotonic()
        start = now + arrival + SETTLE_SECONDS
        end = start + VIEWER_SECONDS
        port = server.port
        tabs = [
            _viewer(i, scale, port, path, sessions[i], now + i / ARRIVALS_PER_SECOND, start, end)
            for i in range(viewers)
        ]
        polling = asyncio.gather(*tabs)
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        before = server.cpu_seconds()
        await polling
        scale.cpu_seconds = server.cpu_seconds() - before
        scale.seconds = time.monotonic() - start

    asyncio.run(main())
    return scale


# --- The run -----------------------------------------------------------------------------------


@dataclass
class Result:
    """What one setup measured."""

    database: Database
    runs: dict[str, list[Run]]
    queries: dict[str, int]
    scales: list[Scale]


def bench(database: Database, wrk_bin: str) -> Result:
    """Build the dataset on `database`, then measure the pages and the presence scenarios."""
    viewers = max(VIEWERS, default=0)
    with tempfile.TemporaryDirectory() as media, database.site_env(Path(media)) as env:
        print(f"\n{database.title}: preparing 120 members, 2,000 posts, {viewers:,} viewers…",
              flush=True)  # fmt: skip
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "createcachetable")
        manage(env, "collectstatic", "--noinput", "-v0")
        facts_file = Path(media) / "facts.json"
        manage(env, "shell", "-v0", "-c",
               f"from bench.dataset import main; main({viewers}, {str(facts_file)!r})")  # fmt: skip
        facts = json.loads(facts_file.read_text())
        cookie = f"sessionid={facts['reader_session']}"
        pages = {
            name: (path, BROWSER | ({"Cookie": cookie} if member else {}) | (POLL if poll else {}))
            for name, (path, member, poll) in facts["pages"].items()
            if not PAGES or name.startswith(tuple(PAGES))
        }
        runs: dict[str, list[Run]] = {name: [] for name in ["floor", *pages]}
        scales = []
        with (
            gunicorn("site", "config.wsgi", env) as site,
            gunicorn("floor", "bench.floor:application", env) as floor,
        ):
            for name, (path, headers) in pages.items():
                if name.endswith(", 304"):
                    headers["If-None-Match"] = _etag(site, path, headers)
            for round_number in range(1, ROUNDS + 1):
                print(f"{database.title}: round {round_number} of {ROUNDS}…", flush=True)
                runs["floor"].append(wrk(wrk_bin, floor, "/", {}))
                for name, (path, headers) in pages.items():
                    runs[name].append(wrk(wrk_bin, site, path, headers))
            for count in VIEWERS:
                print(f"{database.title}: {count:,} viewers polling every {POLL_INTERVAL} s "
                      f"for {VIEWER_SECONDS} s…", flush=True)  # fmt: skip
                poll = facts["pages"]["presence poll, 200"][0]
                scales.append(presence_scenario(site, count, poll, facts["viewer_sessions"]))
    return Result(database, runs, facts["queries"], scales)


def _etag(server: Server, path: str, headers: dict[str, str]) -> str:
    with urlopen(Request(server.url + path, headers=headers), timeout=10) as response:
        return response.headers["ETag"]


def main() -> int:
    databases = chosen_databases()
    wrk_bin = ensure_wrk()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    missed = {}
    for database in databases:
        missed[database.title] = report(bench(database, wrk_bin))
    return summary(missed)


# --- The report --------------------------------------------------------------------------------


def report(result: Result) -> list[str]:
    """Print one setup's tables under its heading; return the targets it missed."""
    heading = result.database.title
    print(f"\n{heading}\n{'=' * len(heading)}")
    missed = []
    if ROUNDS:
        missed += _pages_table(result.runs, result.queries)
    if result.scales:
        missed += _viewers_table(result.scales)
    return missed


def _pages_table(runs: dict[str, list[Run]], queries: dict[str, int]) -> list[str]:
    def median(name: str, attribute: str) -> float:
        return statistics.median(getattr(run, attribute) for run in runs[name])

    floor_rate = median("floor", "rate")
    missed = []
    print(f"\n{'page':24} {'req/s':>7} {'of floor':>9} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'CPU ms/req':>11} {'queries':>8} {'errors':>7}  target")  # fmt: skip
    for name in runs:
        cpu_ms = median(name, "cpu_ms")
        verdict = ""
        if (target := CPU_TARGETS_MS.get(name)) is not None:
            met = cpu_ms <= target
            verdict = f"≤ {target:g} ms CPU {'ok' if met else 'MISSED'}"
            if not met:
                missed.append(f"{name}: {cpu_ms:.2f} ms CPU a request (target ≤ {target:g})")
        errors = sum(run.errors for run in runs[name])
        if errors:
            missed.append(f"{name}: {errors} errors")
        label = "floor (bare Django view)" if name == "floor" else name
        print(f"{label:24} {median(name, 'rate'):7.0f} {median(name, 'rate') / floor_rate:9.1%} "
              f"{median(name, 'p50'):8.1f} {median(name, 'p99'):8.1f} {cpu_ms:11.2f} "
              f"{queries.get(name, 0):8} {errors:7}  {verdict}".rstrip())  # fmt: skip
    if "healthz" not in runs:  # left out by BENCH_PAGES
        return missed
    healthz = median("healthz", "p99") / median("floor", "p99")
    ok = healthz <= HEALTHZ_P99_OVER_FLOOR
    print(f"\n/healthz/ p99 is {healthz:.1f}× the floor's (target ≤ {HEALTHZ_P99_OVER_FLOOR:g}×: "
          f"worker recycling must not show) {'ok' if ok else 'MISSED'}")  # fmt: skip
    if not ok:
        missed.append(f"/healthz/ p99: {healthz:.1f}× the floor's (target ≤ "
                      f"{HEALTHZ_P99_OVER_FLOOR:g}×)")  # fmt: skip
    return missed


def _viewers_table(scales: list[Scale]) -> list[str]:
    print(f"\n{'viewers':>8} {'polls/s wanted':>15} {'served/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'errors':>7} {'arrival errors':>15} {'server CPU':>11} {'CPU ms/poll':>12} "
          f"{'304s':>6}")  # fmt: skip
    for scale in scales:
        p50, p99 = (percentile(scale.latencies, share) * 1000 for share in (0.5, 0.99))
        print(f"{scale.viewers:8,} {scale.wanted_per_second:15.0f} "
              f"{scale.served_per_second:9.0f} {_cell(p50, 8, '.1f')} {_cell(p99, 8, '.1f')} "
              f"{scale.errors:7} {scale.arrival_errors:15} {scale.cpu_percent:10.0f}% "
              f"{_cell(scale.cpu_ms_per_poll, 12, '.2f')} "
              f"{_cell(scale.not_modified_share, 6, '.0%')}")  # fmt: skip
    return _busiest_verdict(scales[-1])


def _cell(value: float, width: int, spec: str) -> str:
    """A number for the table, or a dash where there is none (no poll was served)."""
    return f"{'–' if math.isnan(value) else format(value, spec):>{width}}"


def _busiest_verdict(scale: Scale) -> list[str]:
    """Print and return which of the busiest scenario's targets it missed."""
    checks = {
        f"≥ {SCALE_SERVED_SHARE:.0%} of the polls wanted served": (
            scale.served_per_second >= SCALE_SERVED_SHARE * scale.wanted_per_second
        ),
        "no errors": not (scale.errors or scale.arrival_errors),
        f"p99 ≤ {SCALE_P99_SECONDS:g} s": percentile(scale.latencies, 0.99) <= SCALE_P99_SECONDS,
        f"≥ {SCALE_NOT_MODIFIED_SHARE:.0%} of polls answered 304": (
            scale.not_modified_share >= SCALE_NOT_MODIFIED_SHARE
        ),
    }
    verdicts = [f"{check} {'ok' if met else 'MISSED'}" for check, met in checks.items()]
    print(f"\n{scale.viewers:,} viewers: " + ", ".join(verdicts))
    return [f"{scale.viewers:,} viewers: {check}" for check, met in checks.items() if not met]


def summary(missed: dict[str, list[str]]) -> int:
    """Print what each setup missed; 1 when anything was."""
    for title, targets in missed.items():
        print(f"\n{title}: " + ("missed" if targets else "every target met."))
        for target in targets:
            print(f"  - {target}")
    return 1 if any(missed.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
