"""Presence and sessions across machines: two real app servers (gunicorn, two workers each)
on different ports share one database (and Redis when REDIS_URL is set)."""

import re

import pytest
import requests

from tests.factories import PASSWORD
from tests.servers import (
    free_port,
    own_database,
    prepare_database,
    server_env,
    start_gunicorn,
    stop,
    wait_until_up,
)

pytestmark = pytest.mark.process


@pytest.fixture
def two_servers(tmp_path):
    with own_database(tmp_path) as database:
        env = server_env(database, WEB_CONCURRENCY="2")
        prepare_database(env)
        ports = [free_port(), free_port()]
        processes = [start_gunicorn(env, port) for port in ports]
        try:
            urls = [f"http://127.0.0.1:{port}" for port in ports]
            for url, process in zip(urls, processes, strict=True):
                wait_until_up(url, process)
            yield urls
        finally:
            for process in processes:
                stop(process)


def csrf_token(session: requests.Session, url: str) -> str:
    html = session.get(url, timeout=5).text
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def status_seen_through(url: str) -> str:
    html = requests.get(
        f"{url}/presence/", params={"u": "alice"}, headers={"HX-Request": "true"}, timeout=5
    ).text
    for label in ("Online", "Last seen", "Offline"):
        if label in html:
            return label
    raise AssertionError(html)


def test_login_through_one_server_is_seen_through_the_other(two_servers):
    server_a, server_b = two_servers
    assert status_seen_through(server_b) == "Offline"

    browser = requests.Session()
    token = csrf_token(browser, f"{server_a}/accounts/login/")
    response = browser.post(
        f"{server_a}/accounts/login/",
        data={"login": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 302, response.text[:500]
    assert status_seen_through(server_b) == "Online"

    # The same logged-in session works on the other machine.
    settings_page = browser.get(f"{server_b}/settings/profile/", allow_redirects=False, timeout=5)
    assert settings_page.status_code == 200

    token = csrf_token(browser, f"{server_b}/accounts/logout/")
    response = browser.post(
        f"{server_a}/accounts/logout/",
        data={"csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 302
    assert status_seen_through(server_b) == "Last seen"
    assert browser.get(f"{server_b}/settings/profile/", allow_redirects=False).status_code == 302
