"""Sessions and devices: each session said in words ("Chrome on Linux · IP · last seen"), and
any single one signed out by its owner."""

import pytest
from allauth.usersessions.models import UserSession
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.devices import browser_and_os, describe_browser
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

CHROME_LINUX = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0"


def device(user_agent: str, username: str = "alice") -> Client:
    client = Client(HTTP_USER_AGENT=user_agent)
    response = client.post("/accounts/login/", {"login": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def session_of(client: Client) -> UserSession:
    return UserSession.objects.get(session_key=client.session.session_key)


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (CHROME_LINUX, "Chrome on Linux"),
        (SAFARI_IPHONE, "Mobile Safari on iOS"),
        (FIREFOX_MAC, "Firefox on macOS"),
        ("", "Unknown browser"),
        (None, "Unknown browser"),
        ("   ", "Unknown browser"),
        ("garbage \x00 ☃ <script>", "Unknown browser"),
    ],
)
def test_a_user_agent_is_said_as_browser_on_system(user_agent, label):
    assert describe_browser(user_agent) == label


def test_each_user_agent_string_is_parsed_once():
    browser_and_os.cache_clear()
    for _ in range(3):
        describe_browser(CHROME_LINUX)
    assert browser_and_os.cache_info().hits == 2


def test_the_sessions_page_names_each_device_in_words_and_keeps_the_raw_string(user):
    laptop, phone = device(CHROME_LINUX), device(SAFARI_IPHONE)
    html = laptop.get("/accounts/sessions/").content.decode()
    assert "Chrome on Linux" in html
    assert "Mobile Safari on iOS" in html
    assert f'title="{CHROME_LINUX}"' in html  # the raw string, for the curious
    assert "127.0.0.1 · last seen" in html
    assert html.count("This device") == 1
    assert html.count('name="session"') == 2
    assert phone.get("/accounts/sessions/").status_code == 200


def test_a_garbage_user_agent_is_an_unknown_browser_escaped(user):
    client = device("<b>garbage</b> \u2603")
    html = client.get("/accounts/sessions/").content.decode()
    assert "Unknown browser" in html
    assert "<b>garbage</b>" not in html
    assert "&lt;b&gt;garbage&lt;/b&gt;" in html


def test_the_sessions_page_reads_the_same_queries_for_more_sessions(user):
    laptop = device(CHROME_LINUX)
    laptop.get("/accounts/sessions/")  # the heartbeat's first write is not the page's
    with CaptureQueriesContext(connection) as one:
        laptop.get("/accounts/sessions/")
    for user_agent in (SAFARI_IPHONE, FIREFOX_MAC, "curl/8.0"):
        device(user_agent)
    with CaptureQueriesContext(connection) as four:
        html = laptop.get("/accounts/sessions/").content.decode()
    assert html.count('name="session"') == 4
    assert len(four) == len(one) <= 10


def test_a_session_that_ended_elsewhere_is_not_listed(user):
    laptop, phone = device(CHROME_LINUX), device(SAFARI_IPHONE)
    phone.post("/accounts/logout/")
    html = laptop.get("/accounts/sessions/").content.decode()
    assert "Mobile Safari" not in html
    assert "Sign out the other sessions" not in html  # this is the only one


def test_a_session_from_before_a_password_change_is_not_listed(user):
    laptop, _phone = device(CHROME_LINUX), device(SAFARI_IPHONE)
    user.set_password("another-long-password-77")
    user.save()
    laptop.force_login(user)
    html = laptop.get("/accounts/sessions/").content.decode()
    assert "Mobile Safari" not in html


def test_signing_out_one_session_leaves_the_others(user):
    laptop, phone, tablet = device(CHROME_LINUX), device(SAFARI_IPHONE), device(FIREFOX_MAC)
    response = laptop.post(
        "/accounts/sessions/end/", {"session": session_of(phone).pk}, follow=True
    )
    assert response.redirect_chain == [("/accounts/sessions/", 302)]
    html = response.content.decode()
    assert "That session is signed out." in html
    assert "Mobile Safari" not in html
    assert phone.get("/settings/account/").status_code == 302  # signed out
    assert tablet.get("/settings/account/").status_code == 200
    assert laptop.get("/settings/account/").status_code == 200
    assert UserSession.objects.filter(user=user).count() == 2


def test_signing_out_this_device_logs_you_out(user):
    laptop, phone = device(CHROME_LINUX), device(SAFARI_IPHONE)
    response = laptop.post("/accounts/sessions/end/", {"session": session_of(laptop).pk})
    assert response.status_code == 302
    assert laptop.get("/settings/account/").status_code == 302
    assert phone.get("/settings/account/").status_code == 200
    assert list(UserSession.objects.values_list("user_agent", flat=True)) == [SAFARI_IPHONE]


def test_another_members_session_cannot_be_signed_out(user):
    UserFactory(username="boris")
    laptop, boris = device(CHROME_LINUX), device(FIREFOX_MAC, "boris")
    response = laptop.post("/accounts/sessions/end/", {"session": session_of(boris).pk})
    assert response.status_code == 404
    assert boris.get("/settings/account/").status_code == 200
    assert UserSession.objects.count() == 2


@pytest.mark.parametrize("value", ["", "x", "-1", "1.5", "9" * 40, "١٢"])
def test_a_session_id_no_session_has_is_a_404(user, value):
    laptop = device(CHROME_LINUX)
    assert laptop.post("/accounts/sessions/end/", {"session": value}).status_code == 404
    assert laptop.get("/settings/account/").status_code == 200


def test_signing_out_a_session_is_a_post_with_csrf(user):
    laptop = device(CHROME_LINUX)
    target = session_of(laptop).pk
    assert laptop.get(f"/accounts/sessions/end/?session={target}").status_code == 405
    strict = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=CHROME_LINUX)
    strict.cookies = laptop.cookies
    assert strict.post("/accounts/sessions/end/", {"session": target}).status_code == 403
    assert laptop.get("/settings/account/").status_code == 200


def test_a_visitor_is_sent_to_log_in():
    response = Client().post("/accounts/sessions/end/", {"session": "1"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
