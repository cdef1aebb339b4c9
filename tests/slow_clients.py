"""A bounded slow-client attack on loopback, and a normal visitor timing the site through it.

    python -m tests.slow_clients http://127.0.0.1:PORT [seconds]

keeps IDLE connections open that send nothing, and SLOW clients each sending a request body
at one byte a second, while one visitor keeps loading the home page. It prints what that
visitor saw. Loopback only, bounded in time; it stops by itself.
"""

import asyncio
import concurrent.futures
import contextlib
import statistics
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

IDLE = 300
SLOW = 20
RESULTS: list[str] = []  # printed at the end of the test run (tests/conftest.py)


@dataclass
class Result:
    requests: int
    errors: int
    p50: float
    p99: float
    worst: float

    def __str__(self) -> str:
        return (
            f"{self.requests} requests, {self.errors} errors, p50 {self.p50 * 1000:.0f} ms, "
            f"p99 {self.p99 * 1000:.0f} ms, worst {self.worst * 1000:.0f} ms "
            f"(with {IDLE} idle connections and {SLOW} clients sending 1 byte/s)"
        )


async def _idle(host: str, port: int, until: float) -> None:
    """A connection that says nothing; reopened whenever the server drops it."""
    while time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            await asyncio.sleep(0.5)
            continue
        with contextlib.suppress(TimeoutError, OSError):
            await asyncio.wait_for(reader.read(), timeout=max(0.1, until - time.monotonic()))
        writer.close()


async def _slow(host: str, port: int, until: float) -> None:
    """An upload that trickles in at one byte a second; restarted when the server drops it."""
    while time.monotonic() < until:
        try:
            _reader, writer = await asyncio.open_connection(host, port)
            writer.write(
                f"POST /posts/new/ HTTP/1.1\r\nHost: {host}:{port}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: 100000\r\n\r\n".encode()
            )
            while time.monotonic() < until:
                writer.write(b"a")
                await writer.drain()
                await asyncio.sleep(1)
            writer.close()
        except OSError:
            await asyncio.sleep(0.5)


async def _visitor(host: str, port: int, until: float) -> tuple[list[float], int]:
    """Loads the home page over and over, each time on a new connection, like a new visitor."""
    timings, errors = [], 0
    while time.monotonic() < until:
        started = time.monotonic()
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(
                f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode()
            )
            response = await asyncio.wait_for(reader.read(), timeout=10)
            writer.close()
            if not response.startswith(b"HTTP/1.1 200"):
                errors += 1
        except (TimeoutError, OSError):
            errors += 1
        timings.append(time.monotonic() - started)
        await asyncio.sleep(0.05)
    return timings, errors


async def _attack(url: str, seconds: float) -> Result:
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port
    assert host in {"127.0.0.1", "localhost", "::1"}, "loopback only"
    until = time.monotonic() + seconds
    attackers = [asyncio.create_task(_idle(host, port, until)) for _ in range(IDLE)]
    attackers += [asyncio.create_task(_slow(host, port, until)) for _ in range(SLOW)]
    await asyncio.sleep(min(2, seconds / 4))  # let the attack settle in first
    timings, errors = await _visitor(host, port, until)
    for task in attackers:
        task.cancel()
    await asyncio.gather(*attackers, return_exceptions=True)
    ordered = sorted(timings) or [float("inf")]
    return Result(
        requests=len(timings),
        errors=errors,
        p50=statistics.median(ordered),
        p99=ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        worst=ordered[-1],
    )


def attack(url: str, seconds: float) -> Result:
    """Run the attack in a thread of its own: the caller may already have an event loop
    running (Playwright's sync API keeps one in pytest's main thread)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _attack(url, seconds)).result()


if __name__ == "__main__":
    print(attack(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 60))
