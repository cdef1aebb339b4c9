"""A visitor's first minutes: what the community is, a Like that survives the login it asks
for, and a new member's first steps."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.feed.models import Like
from tests.factories import PASSWORD, PostFactory, UserFactory

from .conftest import MOBILE, assert_accessible, log_in, open_context, shoot, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_visitor_on_a_phone_is_told_what_the_community_is_and_how_to_join(browser, live_server):
    PostFactory(author=UserFactory(username="alice", first_name="Alice"), title="Spring notes")
    PostFactory(author=UserFactory(username="boris", first_name="Boris"), title="Sea at dawn")
    context = open_context(browser, live_server, viewport=MOBILE)
    page = context.new_page()
    health = watch(page, live_server)
    page.goto("/")
    panel = page.get_by_role("region", name="Welcome to Eternity")
    expect(panel).to_contain_text("2 members · 2 posts")
    expect(panel.get_by_role("link", name="Join")).to_be_visible()
    expect(panel.get_by_role("link", name="Log in")).to_be_visible()
    # The bar's way in, outside the folded menu; no "Guest" label.
    expect(page.locator("header").get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_text("Guest", exact=True)).to_have_count(0)
    assert_accessible(page)
    shoot(page, "visitor-feed")
    health.assert_clean()
    context.close()


def test_a_visitors_like_is_given_after_logging_in_and_they_are_back_on_the_post(page, live_server):
    rita = UserFactory(username="rita")
    post = PostFactory(author=UserFactory(username="alice"), title="Spring notes")
    page.goto("/")
    page.get_by_role("button", name="Like").click()
    page.wait_for_url("**/accounts/login/**")
    page.get_by_label("Username or email").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    # Back on the card, with the nonce that tied the like to this login.
    page.wait_for_url(re.compile(rf"/\?intent=[\w-]+#post-{post.pk}$"))
    card = page.locator(f"#post-{post.pk}")
    expect(card.get_by_role("button", name="Liked")).to_have_attribute("aria-pressed", "true")
    expect(card.locator("[data-like-count]")).to_have_text("1")
    expect(page.get_by_text("You liked “Spring notes”.")).to_be_visible()
    assert Like.objects.filter(user=rita, post=post).count() == 1
    page.health.assert_clean()


def test_a_new_members_first_steps_on_a_phone(browser, live_server):
    newcomer = UserFactory(username="newcomer", first_name="Nina", date_joined=timezone.now())
    for name in ("alice", "boris"):
        PostFactory(author=UserFactory(username=name, first_name=name.title()))
    context = open_context(browser, live_server, viewport=MOBILE)
    log_in(context, live_server, newcomer)
    page = context.new_page()
    health = watch(page, live_server)
    page.goto("/")
    steps = page.get_by_role("region", name="Your first steps")
    expect(steps).to_contain_text("0 of 4 done")
    expect(page.get_by_role("region", name="Who to follow")).to_be_visible()
    assert_accessible(page)
    shoot(page, "first-steps")
    # Following someone from the list ticks a step on the next visit. The button turns at once
    # (optimistic): the reload waits for the server's answer, or it would cancel the follow.
    with page.expect_response(
        lambda response: (
            response.url.endswith("/u/alice/follow/") and response.request.method == "POST"
        )
    ) as answer:
        page.get_by_role("region", name="Who to follow").get_by_role(
            "button", name="Follow @alice"
        ).click()
    assert answer.value.ok
    expect(page.get_by_role("button", name="Following @alice").first).to_be_visible()
    page.reload()
    expect(steps).to_contain_text("1 of 4 done")
    steps.get_by_role("button", name="Hide the first steps").click()
    expect(steps).to_have_count(0)
    page.reload()
    expect(page.get_by_role("region", name="Your first steps")).to_have_count(0)
    health.assert_clean()
    context.close()
