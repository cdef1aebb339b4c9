import pytest
from django.core.cache import caches

DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def _clear_cache(request):
    """Rate-limit counters and cached presence must not leak from one test to the next (the
    database cache rolls back with the test, Redis does not, nor does a flush empty the database
    cache after a transactional test). Tests without database access have no cache to clear
    when the cache lives in the database."""
    uses_db = request.node.get_closest_marker("django_db") or DB_FIXTURES & set(
        request.fixturenames
    )
    if uses_db:
        for alias in ("default", "security"):
            caches[alias].clear()


@pytest.fixture
def rate_window():
    """Start the test at the top of the next hour, the clock still running. The site's rate
    limits count in fixed clock windows (apps/core/ratelimit.py): a test that counts up to a
    limit must not see its window end halfway."""
    import time

    import time_machine

    now = time.time()
    with time_machine.travel(now - now % 3600 + 3600, tick=True):
        yield


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory(username="alice", first_name="Alice", last_name="Liddell")


def pytest_collection_modifyitems(items):
    """Everything under tests/deploy and tests/cluster runs the site's processes (`make
    test-fast` skips them)."""
    for item in items:
        if item.path.parent.name in {"deploy", "cluster"}:
            item.add_marker(pytest.mark.process)


def pytest_report_header(config):
    from django.conf import settings

    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return f"database: {database}, cache: {cache}"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads go to a fresh directory per test, never into the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def full_media_disk(settings, tmp_path):
    """MEDIA_ROOT on a 32 kB tmpfs: the first real image fills it (a disk that is full)."""
    import os
    import subprocess

    mount_point = tmp_path / "tiny-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32k", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"CI must be able to mount a tmpfs: {mounted.stderr}")
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    settings.MEDIA_ROOT = mount_point
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


def pytest_terminal_summary(terminalreporter):
    """The figures of the slow-client runs (tests/deploy/test_serving.py), for the record."""
    from tests.slow_clients import RESULTS

    if RESULTS:
        terminalreporter.section("slow and idle clients")
        for line in RESULTS:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True, scope="session")
def _flush_past_the_audit_log_guard():
    """On PostgreSQL the audit log refuses TRUNCATE (apps/moderation/migrations), and TRUNCATE
    is how Django empties the database after a transactional test. The test database's owner
    lifts that one trigger for the flush, in the flush's own transaction: what any table owner
    can do, which is why production runs the app as a role that owns nothing (README)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    table = "moderation_auditentry"
    trigger = "moderation_auditentry_no_truncate"
    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        if table not in tables:
            return statements
        return [
            f"ALTER TABLE {table} DISABLE TRIGGER {trigger};",
            *statements,
            f"ALTER TABLE {table} ENABLE TRIGGER {trigger};",
        ]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original
