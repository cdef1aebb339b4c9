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
