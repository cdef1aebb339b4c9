import pytest
from django.core.cache import cache

DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def _clear_cache(request):
    """Rate-limit counters and cached presence must not leak from one test to the next (the
    database cache rolls back with the test, Redis does not). Tests without database access
    have no cache to clear when the cache lives in the database."""
    uses_db = request.node.get_closest_marker("django_db") or DB_FIXTURES & set(
        request.fixturenames
    )
    if uses_db:
        cache.clear()


@pytest.fixture
def user(db):
    from tests.factories import UserFactory

    return UserFactory(username="alice", first_name="Alice", last_name="Liddell")


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
