"""Continue where you left off, in real browsers: alice reads the feed on one device; new posts
arrive; her first device counts them in the tab and the title, and her second device shows
"You were here" above the same post, its jump link moving focus there."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import PostFactory, UserFactory

from .conftest import assert_accessible, log_in, open_context, watch

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_polls"),
]


def test_a_second_device_shows_where_alice_left_off_and_counts_what_is_new(browser, live_server):
    alice = UserFactory(username="alice", first_name="Alice", last_name="Liddell")
    boris = UserFactory(username="boris", first_name="Boris", last_name="Godunov")
    start = timezone.now() - timedelta(hours=2)
    read = [
        PostFactory(author=boris, title=f"Read {n}", created=start + timedelta(minutes=n))
        for n in range(3)
    ]

    first_context = open_context(browser, live_server)
    log_in(first_context, live_server, alice)
    first = first_context.new_page()
    health = watch(first, live_server)
    first.goto("/")
    expect(first.get_by_role("heading", name="Read 2")).to_be_visible()
    expect(first.locator("#you-were-here")).to_have_count(0)

    for n in range(3):
        PostFactory(
            author=boris, title=f"New {n}", created=timezone.now() - timedelta(minutes=3 - n)
        )

    # The first device counts them by the poll: in the tab's label and in the title.
    everyone = first.get_by_role("link", name=re.compile(r"^Everyone"))
    expect(everyone).to_contain_text("· 3", timeout=5000)
    expect(everyone).to_have_accessible_name(re.compile("3 new posts"))
    expect(first).to_have_title(re.compile(r"^\(3\) "))

    second_context = open_context(browser, live_server)
    log_in(second_context, live_server, alice)
    second = second_context.new_page()
    second_health = watch(second, live_server)
    second.goto("/")
    divider = second.locator("#you-were-here")
    expect(divider).to_contain_text("You were here")
    below = second.locator("#you-were-here + article")
    expect(below).to_have_attribute("id", f"post-{read[-1].pk}")
    jump = second.get_by_role("link", name="Jump to where you left off")
    jump.click()
    expect(divider).to_be_focused()
    expect(divider).to_be_in_viewport()
    assert_accessible(second)

    # Read on the second device: the first one's counts go once it polls.
    expect(everyone).not_to_contain_text("·", timeout=5000)
    expect(first).not_to_have_title(re.compile(r"^\("))
    health.assert_clean()
    second_health.assert_clean()
