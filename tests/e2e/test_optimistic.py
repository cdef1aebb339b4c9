"""Feedback while a request is on its way: Like and Follow change at once and go back when the
server does not confirm, slow requests show a spinner, live search says it is searching.
Playwright's routing holds requests back, fails them or answers for the server."""

import pytest
from playwright.sync_api import expect

from apps.feed.models import Comment, Like
from apps.social import services as social
from apps.social.models import Follow
from tests.factories import PostFactory, UserFactory

from .conftest import SCREENSHOTS, assert_accessible, log_in, shoot

pytestmark = pytest.mark.e2e


def hold(page, pattern: str) -> list:
    """Keep the requests to `pattern` waiting until the test lets them go."""
    held = []
    page.route(pattern, lambda route: held.append(route))
    return held


def wait_for_held(page, held: list) -> None:
    page.wait_for_function("() => true")  # let Playwright's loop hand over the request
    for _ in range(50):
        if held:
            return
        page.wait_for_timeout(100)
    raise AssertionError("the request never reached the route")


def test_a_like_shows_at_once_before_the_server_answers(page, live_server, context):
    reader = UserFactory(username="lee")
    log_in(context, live_server, reader)
    post = PostFactory(title="Rain again")
    page.goto("/")
    like = page.locator(f"[data-like='{post.pk}']")
    held = hold(page, "**/like/")
    like.click()
    wait_for_held(page, held)
    # Pressed, counted and named so while the request is still waiting.
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_have_class("btn btn-sm btn-danger")
    expect(like.locator("[data-like-count]")).to_have_text("1")
    expect(page.get_by_role("button", name="Liked · 1")).to_be_visible()
    assert not Like.objects.filter(post=post).exists()
    held[0].continue_()
    expect(like).not_to_have_attribute("data-optimistic-pending", "")
    expect(page.locator(f"form[data-optimistic='like:{post.pk}']")).not_to_have_attribute(
        "data-optimistic-pending", ""
    )
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_be_focused()  # the server's button, where the person was
    assert Like.objects.filter(post=post, user=reader).exists()
    page.health.assert_clean()


def test_a_like_rolls_back_on_a_503(page, live_server, context):
    log_in(context, live_server, UserFactory(username="lee"))
    post = PostFactory(title="Rain again", like_count=4)
    page.goto("/")
    like = page.locator(f"[data-like='{post.pk}']")
    expect(like).to_have_text("♥ Like · 4")
    held = hold(page, "**/like/")
    like.click()
    wait_for_held(page, held)
    expect(like).to_have_text("♥ Liked · 5")
    held[0].fulfill(status=503, body="<h1>Down for a moment</h1>")
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(like).to_have_text("♥ Like · 4")
    expect(like).to_have_class("btn btn-sm btn-outline-danger")
    expect(page.get_by_role("alert")).to_contain_text("the server had a problem (503)")
    expect(like).to_be_enabled()
    expect(like).to_be_focused()
    assert_accessible(page)
    shoot(page, "optimistic-like-rolled-back-desktop")
    # Once the server is back, the same button works.
    page.unroute("**/like/")
    like.click()
    expect(like).to_have_text("♥ Liked · 5")
    expect(like).not_to_be_disabled()


def test_a_like_refused_by_the_rate_limit_rolls_back_and_says_why(
    page, live_server, context, settings
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "like": "0/m/user"}
    log_in(context, live_server, UserFactory(username="lee"))
    post = PostFactory()
    page.goto("/")
    like = page.locator(f"[data-like='{post.pk}']")
    like.click()
    expect(page.get_by_role("status").filter(has_text="too often")).to_be_visible()
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(like).to_have_text("♥ Like · 0")


def test_a_second_press_while_a_like_is_on_its_way_is_ignored(page, live_server, context):
    reader = UserFactory(username="lee")
    log_in(context, live_server, reader)
    post = PostFactory()
    page.goto("/")
    like = page.locator(f"[data-like='{post.pk}']")
    held = hold(page, "**/like/")
    like.click()
    wait_for_held(page, held)
    # The button is busy; even a forced click or a submit from a script sends nothing more.
    like.click(force=True)
    page.evaluate(
        "(key) => htmx.trigger(document.querySelector(`[data-optimistic='${key}']`), 'submit')",
        f"like:{post.pk}",
    )
    page.wait_for_timeout(200)
    assert len(held) == 1
    expect(like).to_have_text("♥ Liked · 1")
    held[0].continue_()
    expect(page.locator("form[data-optimistic-pending]")).to_have_count(0)
    expect(like).to_have_text("♥ Liked · 1")
    assert Like.objects.filter(post=post).count() == 1


def test_a_follow_that_gets_no_answer_rolls_back_every_copy(page, live_server, context):
    reader = UserFactory(username="fay")
    log_in(context, live_server, reader)
    bob = UserFactory(username="bob")
    PostFactory(author=bob, title="First from Bob")
    PostFactory(author=bob, title="Second from Bob")
    page.goto("/?tab=everyone")
    buttons = page.locator("form[data-follow='card:bob'] button")
    expect(buttons).to_have_count(3)  # Bob's two cards, and Bob in "Who to follow"
    held = hold(page, "**/follow/")
    buttons.first.click()
    wait_for_held(page, held)
    for index in range(3):
        expect(buttons.nth(index)).to_have_attribute("aria-pressed", "true")
        expect(buttons.nth(index)).to_have_accessible_name("Following @bob")
    held[0].abort("connectionreset")
    for index in range(3):
        expect(buttons.nth(index)).to_have_attribute("aria-pressed", "false")
        expect(buttons.nth(index)).to_have_accessible_name("Follow @bob")
    expect(page.get_by_role("alert")).to_contain_text("may or may not have been saved")
    assert not Follow.objects.filter(follower=reader).exists()
    page.unroute("**/follow/")
    buttons.first.click()
    expect(page.locator("form[data-optimistic-pending]")).to_have_count(0)  # answered
    expect(buttons.nth(1)).to_have_accessible_name("Following @bob")
    assert Follow.objects.filter(follower=reader).count() == 1


def test_a_follow_refused_by_the_server_rolls_back(page, live_server, context):
    log_in(context, live_server, UserFactory(username="fay"))
    bob = UserFactory(username="bob")
    page.goto(bob.get_absolute_url())
    button = page.locator("form[data-follow='profile:bob'] button")
    page.route("**/follow/", lambda route: route.fulfill(status=400, body="No."))
    button.click()
    expect(page.get_by_role("alert")).to_contain_text("That did not work (400)")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_have_accessible_name("Follow @bob")


def test_following_from_a_profile_counts_the_follower_before_the_server_answers(
    page, live_server, context
):
    reader = UserFactory(username="fay")
    log_in(context, live_server, reader)
    alice = UserFactory(username="alice")
    social.follow(follower=UserFactory(username="gus"), followee=alice)
    page.goto(alice.get_absolute_url())
    counts = page.locator("#follow-counts")
    button = page.locator("form[data-follow='profile:alice'] button")
    expect(counts).to_contain_text("1 follower ·")
    held = hold(page, "**/follow/")
    button.click()
    wait_for_held(page, held)
    expect(button).to_have_accessible_name("Following @alice")
    expect(counts).to_contain_text("2 followers ·")
    assert not Follow.objects.filter(follower=reader).exists()
    held[0].continue_()
    expect(page.locator("form[data-optimistic-pending]")).to_have_count(0)  # answered
    expect(counts).to_contain_text("2 followers ·")
    assert Follow.objects.filter(follower=reader, followee=alice).exists()
    # And back down at once when unfollowing.
    held = hold(page, "**/follow/")
    button.click()
    wait_for_held(page, held)
    expect(counts).to_contain_text("1 follower ·")
    held[0].continue_()
    expect(page.locator("form[data-optimistic-pending]")).to_have_count(0)
    expect(counts).to_contain_text("1 follower ·")
    assert not Follow.objects.filter(follower=reader).exists()
    page.health.assert_clean()


def test_the_follower_count_rolls_back_with_the_button_on_a_503(page, live_server, context):
    log_in(context, live_server, UserFactory(username="fay"))
    alice = UserFactory(username="alice")
    page.goto(alice.get_absolute_url())
    counts = page.locator("#follow-counts")
    button = page.locator("form[data-follow='profile:alice'] button")
    expect(counts).to_contain_text("0 followers ·")
    held = hold(page, "**/follow/")
    button.click()
    wait_for_held(page, held)
    expect(counts).to_contain_text("1 follower ·")
    expect(counts.get_by_role("link", name="1 follower")).to_be_visible()
    held[0].fulfill(status=503, body="<h1>Down for a moment</h1>")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(counts).to_contain_text("0 followers ·")
    expect(counts.get_by_role("link", name="0 followers")).to_have_attribute(
        "href", "/u/alice/followers/"
    )
    expect(page.get_by_role("alert")).to_contain_text("the server had a problem (503)")
    assert not Follow.objects.exists()
    # Once the server is back, the count follows the button again.
    page.unroute("**/follow/")
    button.click()
    expect(page.locator("form[data-optimistic-pending]")).to_have_count(0)
    expect(counts).to_contain_text("1 follower ·")
    assert Follow.objects.count() == 1


def test_a_slow_request_shows_a_spinner_after_300_ms_and_a_fast_one_none(
    page, live_server, context
):
    log_in(context, live_server, UserFactory(username="sly"))
    post = PostFactory()
    page.goto("/")
    # When a spinner first appears, measured in the page from the moment the request left.
    page.evaluate(
        """() => {
            window.spinnerLog = [];
            document.addEventListener('htmx:beforeRequest',
                () => { window.sentAt = performance.now(); });
            new MutationObserver((records) => records.forEach((record) =>
                record.addedNodes.forEach((node) => {
                    if (node.matches && node.matches('[data-spinner]'))
                        window.spinnerLog.push(performance.now() - window.sentAt);
                }))).observe(document.body, { childList: true, subtree: true });
        }"""
    )
    like = page.locator(f"[data-like='{post.pk}']")
    held = hold(page, "**/like/")
    like.click()
    wait_for_held(page, held)
    spinner = like.locator(".spinner-border")
    expect(spinner).to_have_count(1)
    expect(like).to_have_attribute("aria-busy", "true")
    assert page.evaluate("() => window.spinnerLog")[0] >= 300
    page.screenshot(path=SCREENSHOTS / "slow-like-spinner-desktop.png")
    held[0].continue_()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-spinner]")).to_have_count(0)
    expect(like).not_to_have_attribute("aria-busy", "true")
    # A quick answer (Unlike, straight through) shows none: the timer is cleared first.
    page.unroute("**/like/")
    page.evaluate("() => { window.spinnerLog = []; }")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "false")
    page.wait_for_timeout(400)
    log = page.evaluate("() => window.spinnerLog")
    assert all(delay >= 300 for delay in log)  # at most a late one on a very busy machine
    expect(page.locator("[data-spinner]")).to_have_count(0)


def test_a_slow_comment_shows_a_spinner_in_its_button(page, live_server, context):
    log_in(context, live_server, UserFactory(username="cam"))
    post = PostFactory()
    page.goto(post.get_absolute_url())
    page.get_by_role("textbox", name="Comment").fill("Slowly now")
    held = hold(page, "**/comments/")
    page.get_by_role("button", name="Add comment").click()
    wait_for_held(page, held)
    button = page.get_by_role("button", name="Add comment")
    expect(button.locator(".spinner-border")).to_have_count(1)
    held[0].continue_()
    expect(page.get_by_text("Slowly now")).to_be_visible()
    expect(page.locator("[data-spinner]")).to_have_count(0)


def test_live_search_says_it_is_searching_until_the_answer_comes(page, live_server):
    PostFactory(title="Spring notes", text="Buds everywhere.")
    page.goto("/search/")
    status = page.locator("#search-status")
    expect(status).to_contain_text("Find people by name")
    held = hold(page, "**/search/?q=*")
    page.get_by_label("People and posts").press_sequentially("spring", delay=30)
    wait_for_held(page, held)
    expect(status).to_have_text("Searching…")
    expect(status).to_have_attribute("role", "status")
    page.screenshot(path=SCREENSHOTS / "search-searching-desktop.png")
    for route in held:
        route.continue_()
    expect(status).to_contain_text("Found 1 post.")
    results = page.locator("#search-results")
    expect(results.get_by_role("heading", name="Spring notes")).to_be_visible()


def test_a_search_that_fails_puts_the_status_back(page, live_server):
    page.goto("/search/")
    status = page.locator("#search-status")
    page.route("**/search/?q=*", lambda route: route.fulfill(status=500, body="oops"))
    page.get_by_label("People and posts").fill("spring")
    expect(page.get_by_role("alert")).to_contain_text("(500)")
    expect(status).to_contain_text("Find people by name")


def test_a_comment_whose_answer_is_lost_and_is_sent_again_is_posted_once(
    page, live_server, context
):
    log_in(context, live_server, UserFactory(username="rex"))
    post = PostFactory(title="Patchy signal")
    page.goto(post.get_absolute_url())
    box = page.get_by_role("textbox", name="Comment")
    box.fill("Posted from a tunnel")

    def lose_the_answer(route):
        if route.request.method != "POST":
            route.continue_()
            return
        route.fetch()  # the server saves the comment...
        route.abort("connectionreset")  # ...and its answer never arrives

    page.route("**/comments/", lose_the_answer)
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_role("alert")).to_contain_text("may or may not have been saved")
    expect(box).to_have_value("Posted from a tunnel")
    assert Comment.objects.filter(post=post).count() == 1
    page.unroute("**/comments/")
    page.get_by_role("button", name="Add comment").click()  # the person tries again
    expect(page.get_by_role("heading", name="Comments (1)")).to_be_visible()
    expect(page.get_by_text("Posted from a tunnel")).to_have_count(1)
    assert Comment.objects.filter(post=post).count() == 1
    # The next comment is a new one.
    page.get_by_role("textbox", name="Comment").fill("And another")
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_role("heading", name="Comments (2)")).to_be_visible()
    assert Comment.objects.filter(post=post).count() == 2
