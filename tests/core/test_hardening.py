"""Abuse limits, resilience when a backing service is down, and other promises in
docs/SECURITY.md."""

import pytest
import requests
from django.test import Client, override_settings
from django.urls import reverse

from apps.feed.models import Like, Post
from tests.factories import PASSWORD, PostFactory, UserFactory
from tests.servers import (
    free_port,
    own_database,
    prepare_database,
    server_env,
    start_gunicorn,
    stop,
    wait_until_up,
)

pytestmark = pytest.mark.django_db


# --- Abuse limits --------------------------------------------------------------------------


def test_the_eleventh_post_in_a_minute_gets_a_friendly_429(client, user, rate_window):
    client.force_login(user)
    for n in range(10):
        assert client.post("/posts/new/", {"title": f"T{n}", "text": "B"}).status_code == 302
    response = client.post("/posts/new/", {"title": "One too many", "text": "B"})
    assert response.status_code == 429
    assert "You are doing that too often" in response.content.decode()
    assert Post.objects.count() == 10


def test_an_htmx_write_over_the_limit_keeps_the_page_and_says_why(
    client, user, settings, rate_window
):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"like": "2/m/user"}
    client.force_login(user)
    post = PostFactory()
    for liked in ("1", "0"):
        client.post(f"/posts/{post.pk}/like/", {"liked": liked}, headers={"HX-Request": "true"})
    response = client.post(f"/posts/{post.pk}/like/", {"liked": "1"},
                           headers={"HX-Request": "true"})  # fmt: skip
    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"
    assert "You are doing that too often" in response.content.decode()
    assert not Like.objects.exists()


def test_limits_are_per_user_and_per_ip(settings, rate_window):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"write_post": "50/m/user,3/m/ip"}
    posted = []
    for n in range(4):
        client = Client()
        client.force_login(UserFactory())
        posted.append(client.post("/posts/new/", {"title": f"T{n}", "text": "B"}).status_code)
    assert posted == [302, 302, 302, 429]


# --- Resilience ----------------------------------------------------------------------------


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_with_the_database_down_pages_answer_a_friendly_503(tmp_path):
    env = server_env(f"postgres://postgres@127.0.0.1:{free_port()}/nowhere", WEB_CONCURRENCY="1")
    port = free_port()
    process = start_gunicorn(env, port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)  # liveness does not need the database
        page = requests.get(f"{url}/", timeout=10)
        assert page.status_code == 503
        assert "Eternity is briefly unavailable" in page.text
        assert "Traceback" not in page.text
        assert page.headers["Retry-After"] == "30"
        ready = requests.get(f"{url}/readyz/", timeout=10)
        assert ready.status_code == 503
        assert "database unavailable" in ready.json()["problems"]
    finally:
        stop(process)


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_the_site_keeps_working(tmp_path):
    with own_database(tmp_path) as database:
        env = server_env(
            database, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", WEB_CONCURRENCY="1"
        )
        prepare_database(env)
        port = free_port()
        process = start_gunicorn(env, port)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(url, process)
            browser = requests.Session()
            login = browser.get(f"{url}/accounts/login/", timeout=10)
            assert login.status_code == 200
            token = login.text.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
            response = browser.post(
                f"{url}/accounts/login/",
                data={"login": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token},
                allow_redirects=False, timeout=10,
            )  # fmt: skip
            assert response.status_code == 302
            assert browser.get(f"{url}/settings/profile/", timeout=10).status_code == 200
            # Pages are served, so the node stays in the load balancer; the body says why.
            ready = requests.get(f"{url}/readyz/", timeout=10)
            assert ready.status_code == 200
            assert ready.json() == {"status": "degraded", "problems": ["cache unavailable"]}
        finally:
            stop(process)


# --- Other promises --------------------------------------------------------------------------


def test_logging_in_rotates_the_session_key(client, user):
    client.get("/accounts/login/")
    client.session["probe"] = 1
    before = client.cookies["sessionid"].value if "sessionid" in client.cookies else None
    client.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    assert client.cookies["sessionid"].value != before


def test_the_admin_path_is_configurable():
    from importlib import reload

    from django.urls import clear_url_caches

    import config.urls

    try:
        with override_settings(ADMIN_URL="staff-only-9f2c/"):
            reload(config.urls)
            clear_url_caches()
            assert reverse("admin:index") == "/staff-only-9f2c/"
    finally:
        reload(config.urls)
        clear_url_caches()
    assert reverse("admin:index") == "/admin/"


def test_a_hung_redis_degrades_the_cache_quickly(monkeypatch):
    """A Redis that accepts connections but never answers must cost a fraction of a second."""
    import importlib
    import socket
    import threading
    import time

    from apps.core.ops.cache import ResilientRedisCache

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{listener.getsockname()[1]}/0")
    import config.settings

    options = importlib.reload(config.settings).CACHES["default"]
    monkeypatch.undo()
    importlib.reload(config.settings)
    cache = ResilientRedisCache(options["LOCATION"], {"OPTIONS": options["OPTIONS"]})
    start = time.monotonic()
    assert cache.get("anything", "fallback") == "fallback"
    assert time.monotonic() - start < 2
    listener.close()


def test_a_post_over_the_limit_keeps_the_draft_on_the_form(client, user, settings, rate_window):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"write_post": "1/m/user"}
    client.force_login(user)
    client.post("/posts/new/", {"title": "First", "text": "B"})
    response = client.post("/posts/new/", {"title": "My long draft", "text": "Every word"})
    html = response.content.decode()
    assert response.status_code == 429
    assert "You are doing that too often" in html
    assert 'value="My long draft"' in html
    assert "Every word" in html
    assert Post.objects.count() == 1
