"""When a request fails, the page says so, keeps what was typed, and recovers: the server
unreachable or erroring (Playwright's routing stands in for it), presence polls failing."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PostFactory, UserFactory

from .conftest import log_in, shoot

pytestmark = pytest.mark.e2e


def refresh_presence(page) -> None:
    page.evaluate("() => htmx.trigger('#presence-poller', 'presence:refresh')")


def test_a_like_that_cannot_reach_the_server_says_so_and_recovers(page, live_server, context):
    log_in(context, live_server, UserFactory(username="lee"))
    post = PostFactory(title="Rain again")
    page.goto("/")
    like = page.locator(f"[data-like='{post.pk}']")
    page.route("**/like/", lambda route: route.abort("internetdisconnected"))
    like.click()
    # The connection broke: the like may or may not have reached the server.
    expect(page.get_by_role("alert")).to_contain_text("may or may not have been saved")
    expect(page.locator("#offline-banner")).to_be_visible()
    expect(like).to_have_attribute("aria-pressed", "false")  # nothing was swapped away
    expect(like).to_be_enabled()
    shoot(page, "failure-offline-desktop")
    page.unroute("**/like/")
    like.click()
    expect(page.locator(f"[data-like='{post.pk}']")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#offline-banner")).to_be_hidden()


def test_a_save_the_server_fails_keeps_what_was_typed(page, live_server, context):
    log_in(context, live_server, UserFactory(username="sam", first_name="Sam"))
    page.goto("/u/sam/")
    page.get_by_role("link", name="Edit details").click()
    page.get_by_label("First name").fill("Samantha")

    def fail(route):
        if route.request.method == "POST":
            route.fulfill(status=500, body="<h1>Server Error</h1>")
        else:
            route.continue_()

    page.route("**/settings/profile/details/", fail)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("the server had a problem (500)")
    expect(page.get_by_label("First name")).to_have_value("Samantha")
    expect(page.get_by_role("button", name="Save")).to_be_enabled()
    shoot(page, "failure-server-error-desktop")
    page.unroute("**/settings/profile/details/")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#profile-name")).to_contain_text("Samantha")


def test_badges_say_the_status_is_unknown_while_polls_fail(page, live_server, context):
    log_in(context, live_server, UserFactory(username="pat"))
    author = UserFactory(username="olga")
    PostFactory(author=author)
    page.goto("/")
    badge = page.locator("[data-presence='olga']").first
    expect(badge).to_contain_text(re.compile("Offline|Last seen|Online"))
    page.route("**/presence/**", lambda route: route.fulfill(status=503, body="down"))
    refresh_presence(page)
    page.wait_for_timeout(300)
    expect(badge).not_to_contain_text("Status unknown")  # one failed poll is not enough
    refresh_presence(page)
    expect(badge).to_have_text("Status unknown")
    # Nor does the list of people online now go on claiming they are.
    expect(page.locator("#online-now")).to_have_text("Status unknown")
    expect(page.get_by_role("alert")).to_have_count(0)  # the page's own polls never toast
    page.unroute("**/presence/**")
    refresh_presence(page)
    expect(badge).to_contain_text(re.compile("Offline|Last seen|Online"))
    expect(page.locator("#online-now")).to_contain_text("Nobody you follow is online")


def test_like_by_keyboard_keeps_focus_and_comments_toggle(page, live_server, context):
    log_in(context, live_server, UserFactory(username="kit"))
    post = PostFactory(title="Quiet morning")
    page.goto("/")
    like = page.locator(f"[data-like='{post.pk}']")
    like.focus()
    page.keyboard.press("Enter")
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_be_focused()  # the new button, where the person was
    toggle = page.locator(f"[aria-controls='thread-slot-{post.pk}']")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(page.locator(f"#thread-slot-{post.pk}")).to_contain_text("No comments yet.")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.click()
    expect(page.locator(f"#thread-slot-{post.pk}")).to_be_empty()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    page.health.assert_clean()


def test_a_request_that_takes_too_long_says_so(page, live_server, context):
    log_in(context, live_server, UserFactory(username="tia"))
    post = PostFactory()
    page.goto("/")
    page.evaluate("() => { htmx.config.timeout = 500; }")
    page.route("**/like/", lambda route: None)  # never answered
    page.locator(f"[data-like='{post.pk}']").click()
    # No answer is no proof that nothing happened: the toast does not claim it.
    expect(page.get_by_role("alert")).to_contain_text("We did not hear back")
    expect(page.get_by_role("alert")).not_to_contain_text("nothing was changed")
    expect(page.locator(f"[data-like='{post.pk}']")).to_be_enabled()


def test_back_after_commenting_and_opening_the_post_shows_the_feed_as_it_is(
    page, live_server, context
):
    log_in(context, live_server, UserFactory(username="bo"))
    post = PostFactory(title="A thread to join")
    page.goto("/")
    page.locator(f"[aria-controls='thread-slot-{post.pk}']").click()
    page.get_by_role("textbox", name="Comment").fill("First!")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator(f"#comment-count-{post.pk}")).to_have_text("1")
    page.get_by_role("link", name="A thread to join").click()
    expect(page.get_by_role("heading", name="Comments (1)")).to_be_visible()
    page.go_back()
    expect(page.locator(f"#comment-count-{post.pk}")).to_have_text("1")  # never the old 0


def test_deleting_a_comment_puts_focus_on_the_thread(page, live_server, context):
    author = UserFactory(username="dee")
    log_in(context, live_server, author)
    post = PostFactory(author=author)
    page.goto(post.get_absolute_url())
    page.get_by_role("textbox", name="Comment").fill("Oops")
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_text("Oops")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete").last.click()
    expect(page.get_by_role("heading", name="Comments (0)")).to_be_focused()


def test_failure_states_on_a_phone(browser, live_server):
    from .conftest import MOBILE, open_context

    context = open_context(browser, live_server, viewport=MOBILE)
    try:
        log_in(context, live_server, UserFactory(username="mo"))
        post = PostFactory(title="Small screen")
        page = context.new_page()
        page.goto("/")
        page.route("**/like/", lambda route: route.abort("internetdisconnected"))
        page.locator(f"[data-like='{post.pk}']").click()
        expect(page.locator("#offline-banner")).to_be_visible()
        shoot(page, "failure-offline-mobile")
    finally:
        context.close()


def test_a_write_form_error_keeps_the_draft_and_the_chosen_image(
    page, live_server, context, tmp_path
):
    from PIL import Image

    picture = tmp_path / "walk.jpg"
    Image.new("RGB", (640, 360), (30, 120, 90)).save(picture, "JPEG")
    log_in(context, live_server, UserFactory(username="wen"))
    page.goto("/posts/new/")
    page.get_by_label("Text").fill("A long walk by the sea.")
    page.get_by_label("Image", exact=True).set_input_files(picture)
    page.get_by_role("button", name="Publish").click()  # no title: an error
    # The error at the top (focused) and at the field.
    expect(
        page.locator("[data-error-summary]").get_by_text("This field is required.")
    ).to_be_visible()
    expect(page.locator(".invalid-feedback", has_text="This field is required.")).to_be_visible()
    expect(page.get_by_label("Text")).to_have_value("A long walk by the sea.")
    expect(page.get_by_role("img", name="The image you chose")).to_be_visible()
    shoot(page, "failure-form-kept-image-desktop")
    page.get_by_label("Title").fill("By the sea")
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Your post is published.").wait_for()
    expect(page.locator("article img")).to_be_visible()
    page.health.assert_clean()


def test_a_comment_the_server_fails_keeps_its_text(page, live_server, context):
    log_in(context, live_server, UserFactory(username="cam"))
    post = PostFactory(title="Say something")
    page.goto(post.get_absolute_url())
    page.get_by_role("textbox", name="Comment").fill("A thought worth keeping")
    page.route(
        "**/comments/",
        lambda route: (
            route.fulfill(status=503, body="busy")
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_role("alert")).to_contain_text("the server had a problem (503)")
    expect(page.get_by_role("textbox", name="Comment")).to_have_value("A thought worth keeping")
    expect(page.get_by_role("button", name="Add comment")).to_be_enabled()


def test_a_flash_message_survives_a_presence_poll_that_fires_before_the_next_page(
    page, live_server, context
):
    log_in(context, live_server, UserFactory(username="flo"))
    PostFactory(author=UserFactory(username="nia"))  # a badge, so the feed page polls
    feed = context.new_page()
    feed.goto("/")
    page.goto("/posts/new/")
    page.get_by_label("Title").fill("Hello")
    page.get_by_label("Text").fill("Words")
    redirect = []

    def stop_before_the_next_page(route):
        # The post is saved and its message set; the browser is held before the next page.
        answer = route.fetch(max_redirects=0)
        redirect.append(answer.headers["location"])
        cookies = [h["value"] for h in answer.headers_array if h["name"].lower() == "set-cookie"]
        headers = {"Content-Type": "text/html", "Set-Cookie": "\n".join(cookies)}
        route.fulfill(status=200, body="<!doctype html><title>…</title>", headers=headers)

    page.route("**/posts/new/", stop_before_the_next_page)
    page.get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    with feed.expect_response(lambda response: "/presence/" in response.url):
        feed.evaluate("() => htmx.trigger('#presence-poller', 'presence:refresh')")
    page.goto(redirect[0])
    expect(page.get_by_text("Your post is published.")).to_be_visible()


def test_a_comment_sent_while_offline_says_nothing_was_sent_and_keeps_its_text(
    page, live_server, context
):
    log_in(context, live_server, UserFactory(username="oli"))
    post = PostFactory()
    page.goto(post.get_absolute_url())
    page.get_by_role("textbox", name="Comment").fill("Written on the train")
    context.set_offline(True)
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_role("alert")).to_contain_text("You are offline, so nothing was sent.")
    expect(page.get_by_role("textbox", name="Comment")).to_have_value("Written on the train")
    context.set_offline(False)


def test_a_comment_without_an_answer_keeps_its_text_and_does_not_claim_nothing_changed(
    page, live_server, context
):
    log_in(context, live_server, UserFactory(username="tim"))
    post = PostFactory()
    page.goto(post.get_absolute_url())
    page.evaluate("() => { htmx.config.timeout = 500; }")
    page.get_by_role("textbox", name="Comment").fill("Is anyone there?")
    page.route("**/comments/", lambda route: None)  # never answered
    page.get_by_role("button", name="Add comment").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(
        "We did not hear back from Eternity, so your change may or may not have been saved."
    )
    expect(page.get_by_role("textbox", name="Comment")).to_have_value("Is anyone there?")
    expect(page.get_by_role("button", name="Add comment")).to_be_enabled()
    shoot(page, "failure-no-answer-desktop")


def test_a_read_that_fails_says_so_without_talking_of_changes(page, live_server, context):
    log_in(context, live_server, UserFactory(username="ria"))
    post = PostFactory()
    page.goto("/")
    page.route("**/comments/", lambda route: route.abort("connectionreset"))
    page.locator(f"[aria-controls='thread-slot-{post.pk}']").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Eternity could not be reached.")
    expect(alert).not_to_contain_text("saved")
    page.unroute("**/comments/")
    page.evaluate("() => { htmx.config.timeout = 500; }")
    page.route("**/comments/", lambda route: None)  # never answered
    page.locator(f"[aria-controls='thread-slot-{post.pk}']").click()
    expect(page.get_by_role("alert").last).to_have_text(
        "Eternity took too long to answer. Please try again."
    )
