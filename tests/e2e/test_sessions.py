"""Sessions and devices on a phone: compact rows that say the browser in words, and one
session signed out with its own button."""

import pytest
from django.test import Client

from tests.factories import PASSWORD, UserFactory

from .conftest import MOBILE, assert_accessible, open_context, shoot, sign_in, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAPTOP = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
TABLET = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0"


def other_device(user_agent: str) -> Client:
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR="203.0.113.7")
    assert client.post("/accounts/login/", {"login": "alice", "password": PASSWORD}).status_code
    return client


def test_sessions_fit_a_phone_and_one_is_signed_out_on_its_own(browser, live_server):
    UserFactory(username="alice")
    laptop, tablet = other_device(LAPTOP), other_device(TABLET)
    context = open_context(browser, live_server, viewport=MOBILE)
    page = context.new_page()
    health = watch(page, live_server)
    sign_in(page, "alice")
    page.goto("/accounts/sessions/")

    rows = page.locator("[data-session]")
    assert rows.count() == 3
    texts = rows.all_inner_texts()
    assert any("Chrome on Linux · " in text and "203.0.113.7" in text for text in texts)
    assert any("Firefox on macOS" in text for text in texts)
    assert "This device" in page.locator("[data-session]", has_text="This device").inner_text()
    page.locator("[data-session]").first.scroll_into_view_if_needed()
    shoot(page, "sessions-phone")
    heights = [box["height"] for box in (row.bounding_box() for row in rows.all())]
    assert max(heights) < 130, heights  # three short lines and a button, not 270 px
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= MOBILE["width"]
    assert_accessible(page)

    laptop_row = page.locator("[data-session]", has_text="Chrome on Linux", has_not_text="This")
    laptop_row.get_by_role("button", name="Sign out").click()
    page.get_by_text("That session is signed out.").wait_for()
    assert page.locator("[data-session]").count() == 2
    assert laptop.get("/settings/account/").status_code == 302  # that device is signed out
    assert tablet.get("/settings/account/").status_code == 200  # the others are not
    health.assert_clean()
    context.close()
