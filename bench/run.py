"""`make bench`: a load benchmark of the site as production runs it, against Django's floor.

It serves the site with gunicorn and `config/gunicorn.conf.py` (production settings,
DEBUG=0; PostgreSQL and Redis when DATABASE_URL and REDIS_URL name them, else SQLite and the
database cache) on a generated dataset, and beside it `bench/floor.py` (one view returning
"ok") under the same gunicorn settings. wrk drives both on loopback, page after page, in
interleaved rounds, so both see the same machine; each page is reported with its requests a
second, latency, server CPU per request (from /proc), queries, and its share of the floor's
rate. Then the presence scenario: N viewers, each with a session of their own, open the page
(their first poll, at ARRIVALS_PER_SECOND) and then hold it open for a minute, polling every
30 s exactly as the page does (badges, online now, the bell; If-None-Match), for N = 1,000,
3,000 and 10,000; the minute is what is measured.

The targets live here, as shares of the floor; the run exits 1 when one is missed. It is not
part of `make test`. BENCH_SECONDS (per wrk run), BENCH_ROUNDS (0: only the presence
scenario), BENCH_VIEWERS (comma-separated) and BENCH_VIEWER_SECONDS shorten it.
"""

import asyncio
import json
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
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import free_port, own_database, stop_group, wait_until_up  # noqa: E402

PYTHON = sys.executable
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
VIEWERS = [int(n) for n in os.environ.get("BENCH_VIEWERS", "1000,3000,10000").split(",")]
VIEWER_SECONDS = int(os.environ.get("BENCH_VIEWER_SECONDS", "60"))
POLL_INTERVAL = 30
# What every browser sends.
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}
# What presence.js adds to its polls.
POLL = {"HX-Request": "true", "X-Background": "1"}
# Viewers open the page this many a second before the measured minute begins.
ARRIVALS_PER_SECOND = 150
CONNECTIONS = 64
SETTLE_SECONDS = 2
TICKS = os.sysconf("SC_CLK_TCK")

# Shares of the floor's requests a second, measured in the same run.
TARGETS = {
    "presence poll, 304": 0.50,
    "presence poll, 200": 0.25,
    "feed, logged in": 0.10,
    "post page": 0.10,
    "tag page": 0.10,
    "profile page": 0.10,
}
# The busiest presence scenario: every viewer served, none waiting a second.
SCALE_P99_SECONDS = 1.0
# A worker being recycled must not show: the site's /healthz/ p99 stays within this many
# times the floor's (the floor runs the same gunicorn settings, recycling included).
HEALTHZ_P99_OVER_FLOOR = 2.0


# --- Processes -------------------------------------------------------------------------------


def ensure_wrk() -> str:
    if found := shutil.which("wrk"):
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        return shutil.which("wrk") or "wrk"
    raise SystemExit("make bench needs wrk: sudo apt-get install wrk")


def site_env(database_url: str, media: str) -> dict[str, str]:
    """Production settings on plain loopback HTTP."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    return env | {
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
    time.sleep(SETTLE_SECONDS)  # requests wrk left queued are served before the next run
    cpu = server.cpu_seconds() - before
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


@dataclass
class Scale:
    viewers: int
    sent: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    cpu_percent: float = 0.0
    arrival_errors: int = 0


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
    headers = BROWSER | {
        "Cookie": f"sessionid={session}",
        "HX-Request": "true",
        "X-Background": "1",
    }
    etag = None
    await asyncio.sleep(max(0.0, arrive - time.monotonic()))
    try:
        status, etag = await _poll(port, path, headers, None)
        if status != 200:
            scale.arrival_errors += 1
    except (TimeoutError, OSError, ValueError, IndexError):
        scale.arrival_errors += 1
    start += POLL_INTERVAL * index / scale.viewers
    polls = 0
    while (due := start + POLL_INTERVAL * polls) < end:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        polls += 1
        sent = time.monotonic()
        scale.sent += 1
        try:
            status, new_etag = await _poll(port, path, headers, etag)
        except (TimeoutError, OSError, ValueError, IndexError):
            scale.errors += 1
            continue
        scale.latencies.append(time.monotonic() - sent)
        if status == 200:
            etag = new_etag or etag
        elif status != 304:
            scale.errors += 1


def presence_scenario(server: Server, viewers: int, path: str, sessions: list[str]) -> Scale:
    """The viewers arrive first, ARRIVALS_PER_SECOND of them a second, each making its first
    poll (a 200 and its session's first presence write, as after loading a page); then all
    of them hold their pages open for VIEWER_SECONDS, which is what is measured."""
    scale = Scale(viewers)
    arrival = viewers / ARRIVALS_PER_SECOND

    async def meter(start: float, end: float) -> None:
        await asyncio.sleep(start - time.monotonic())
        before = server.cpu_seconds()
        await asyncio.sleep(end - time.monotonic())
        scale.cpu_percent = (server.cpu_seconds() - before) / VIEWER_SECONDS * 100

    async def main() -> None:
        now = time.monotonic()
        start = now + arrival + SETTLE_SECONDS
        end = start + VIEWER_SECONDS
        await asyncio.gather(
            meter(start, end),
            *(
                _viewer(
                    i,
                    scale,
                    server.port,
                    path,
                    sessions[i],
                    now + arrival * i / viewers,
                    start,
                    end,
                )
                for i in range(viewers)
            ),
        )

    asyncio.run(main())
    return scale


# --- The run -----------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * share))] if values else float("nan")


def main() -> int:
    wrk_bin = ensure_wrk()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    viewers = max(VIEWERS)
    with tempfile.TemporaryDirectory() as media, own_database(Path(media)) as url:
        env = site_env(url, media)
        print(f"Preparing {'PostgreSQL' if url.startswith('postgres') else 'SQLite'}"
              f"{' + Redis' if env.get('REDIS_URL') else ''}: 120 members, 2,000 posts, "
              f"{viewers:,} viewers…", flush=True)  # fmt: skip
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "createcachetable")
        manage(env, "collectstatic", "--noinput", "-v0")
        facts_file = Path(media) / "facts.json"
        manage(env, "shell", "-c",
               f"from bench.dataset import main; main({viewers}, {str(facts_file)!r})")  # fmt: skip
        facts = json.loads(facts_file.read_text())
        cookie = f"sessionid={facts['reader_session']}"
        pages = {
            name: (path, BROWSER | ({"Cookie": cookie} if member else {}) | (POLL if poll else {}))
            for name, (path, member, poll) in facts["pages"].items()
        }
        counts = facts["queries"]
        runs: dict[str, list[Run]] = {name: [] for name in ["floor", *pages]}
        with (
            gunicorn("site", "config.wsgi", env) as site,
            gunicorn("floor", "bench.floor:application", env) as floor,
        ):
            etag = _etag(site, *pages["presence poll, 304"])
            pages["presence poll, 304"][1]["If-None-Match"] = etag
            for round_number in range(1, ROUNDS + 1):
                print(f"Round {round_number} of {ROUNDS}…", flush=True)
                runs["floor"].append(wrk(wrk_bin, floor, "/", {}))
                for name, (path, headers) in pages.items():
                    runs[name].append(wrk(wrk_bin, site, path, headers))
            scales = []
            for count in VIEWERS:
                print(f"{count:,} viewers polling every {POLL_INTERVAL} s for "
                      f"{VIEWER_SECONDS} s…", flush=True)  # fmt: skip
                poll = pages["presence poll, 200"][0]
                scales.append(presence_scenario(site, count, poll, facts["viewer_sessions"]))
    return report(runs, counts, scales)


def _etag(server: Server, path: str, headers: dict[str, str]) -> str:
    with urlopen(Request(server.url + path, headers=headers), timeout=10) as response:
        return response.headers["ETag"]


def report(runs: dict[str, list[Run]], counts: dict[str, int], scales: list[Scale]) -> int:
    def median(name: str, attribute: str) -> float:
        return statistics.median(getattr(run, attribute) for run in runs[name])

    missed = []
    if runs["floor"]:
        missed += _pages_table(runs, counts, median)
    print(f"\n{'viewers':>8} {'polls/s wanted':>15} {'served/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'errors':>7} {'server CPU':>11} {'arrival errors':>15}")  # fmt: skip
    for scale in scales:
        wanted = scale.viewers / POLL_INTERVAL
        served = len(scale.latencies) / VIEWER_SECONDS
        p50 = percentile(scale.latencies, 0.5) * 1000
        p99 = percentile(scale.latencies, 0.99) * 1000
        print(f"{scale.viewers:8,} {wanted:15.0f} {served:9.0f} {p50:8.1f} {p99:8.1f} "
              f"{scale.errors:7} {scale.cpu_percent:10.0f}% {scale.arrival_errors:15}")  # fmt: skip
    busiest = scales[-1] if scales else None
    if busiest and (
        busiest.errors
        or busiest.arrival_errors
        or percentile(busiest.latencies, 0.99) > SCALE_P99_SECONDS
    ):
        missed.append(f"{busiest.viewers:,} viewers (zero errors, p99 ≤ {SCALE_P99_SECONDS} s)")
    print("\nMissed: " + ", ".join(missed) if missed else "\nEvery target met.")
    return 1 if missed else 0


def _pages_table(runs: dict[str, list[Run]], counts: dict[str, int], median) -> list[str]:
    floor_rate = median("floor", "rate")
    missed = []
    print()
    print(f"{'page':24} {'req/s':>7} {'of floor':>9} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'CPU ms/req':>11} {'queries':>8} {'errors':>7}  target")  # fmt: skip
    for name in runs:
        rate = median(name, "rate")
        share = rate / floor_rate
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            verdict = f"≥ {target:.0%} " + ("ok" if share >= target else "MISSED")
            if share < target:
                missed.append(name)
        errors = sum(run.errors for run in runs[name])
        if errors:
            missed.append(f"{name} (errors)")
        label = "floor (bare Django view)" if name == "floor" else name
        print(f"{label:24} {rate:7.0f} {share:9.1%} {median(name, 'p50'):8.1f} "
              f"{median(name, 'p99'):8.1f} {median(name, 'cpu_ms'):11.2f} "
              f"{counts.get(name, 0):8} {errors:7}  {verdict}")  # fmt: skip
    healthz = median("healthz", "p99") / median("floor", "p99")
    ok = healthz <= HEALTHZ_P99_OVER_FLOOR
    print(f"\n/healthz/ p99 is {healthz:.1f}× the floor's (target ≤ {HEALTHZ_P99_OVER_FLOOR:.0f}×: "
          f"worker recycling must not show) {'ok' if ok else 'MISSED'}")  # fmt: skip
    if not ok:
        missed.append("healthz p99")
    return missed


if __name__ == "__main__":
    sys.exit(main())
