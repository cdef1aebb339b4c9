"""Drafts are not lost silently: leaving a form with changes asks first (the browser's own
dialog), Cancel over changes asks, a sent or clean form never does; Escape in a reply box
keeps the text and returns focus to Reply."""

import pytest
from playwright.sync_api import expect

from apps.feed.models import Post
from tests.factories import CommentFactory, PostFactory, UserFactory

from .conftest import log_in, wait_for_focus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class Dialogs(list):
    """Every dialog the page opened, as (type, message). Leaving is accepted; a confirm is
    answered with `confirm`."""

    confirm = True


@pytest.fixture
def dialogs(page):
    seen = Dialogs()

    def on_dialog(dialog):
        seen.append((dialog.type, dialog.message))
        if dialog.type == "confirm" and not seen.confirm:
            dialog.dismiss()
        else:
            dialog.accept()

    page.on("dialog", on_dialog)
    return seen


@pytest.fixture
def wren(context, live_server):
    user = UserFactory(username="wren")
    log_in(context, live_server, user)
    return user


def test_leaving_the_write_page_with_text_asks_first(page, wren, dialogs):
    page.goto("/posts/new/")
    title = page.get_by_label("Title")
    title.click()
    title.press_sequentially("Half a thought")
    page.goto("/")
    assert [kind for kind, _ in dialogs] == ["beforeunload"]
    page.wait_for_url("**/")


def test_a_clean_form_and_a_sent_one_leave_without_asking(page, wren, dialogs):
    page.goto("/posts/new/")
    page.get_by_label("Title").click()  # focused, nothing typed
    page.goto("/")
    assert dialogs == []

    page.goto("/posts/new/")
    page.get_by_label("Title").click()
    page.get_by_label("Title").press_sequentially("Whole thought")
    page.get_by_label("Text").fill("Sent, so nothing to lose.")
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Your post is published.").wait_for()
    page.goto("/")
    assert dialogs == []
    assert Post.objects.filter(title="Whole thought").exists()


def test_a_post_form_back_with_errors_still_counts_as_unsaved(page, wren, dialogs):
    page.goto("/posts/new/")
    page.get_by_label("Title").click()
    page.get_by_label("Title").press_sequentially("No text yet")
    page.get_by_role("button", name="Publish").click()  # the text is required
    expect(page.locator("form[data-draft='unsaved']")).to_have_count(1)
    page.get_by_label("Title").click()
    page.goto("/")
    assert [kind for kind, _ in dialogs] == ["beforeunload"]


def test_leaving_a_typed_comment_or_reply_asks_first(page, wren, dialogs):
    post = PostFactory()
    CommentFactory(post=post, text="Top comment")
    page.goto(post.get_absolute_url())
    comment = page.get_by_role("textbox", name="Comment")
    comment.click()
    comment.press_sequentially("Unsent comment")
    page.goto("/")
    assert [kind for kind, _ in dialogs] == ["beforeunload"]

    dialogs.clear()
    page.goto(post.get_absolute_url())
    page.get_by_role("link", name="Reply").first.click()
    reply = page.get_by_label("Reply to", exact=False)
    reply.click()
    reply.press_sequentially("Unsent reply")
    page.goto("/")
    assert [kind for kind, _ in dialogs] == ["beforeunload"]


def test_cancel_over_a_changed_inline_section_asks_first(page, wren, dialogs):
    page.goto("/u/wren/")
    page.get_by_role("link", name="Edit details").click()
    bio = page.get_by_label("About you")
    bio.click()
    bio.press_sequentially("Not saved yet")

    dialogs.confirm = False  # "Cancel" in the dialog: the form stays, with the text
    page.get_by_role("link", name="Cancel").click()
    assert dialogs == [("confirm", "Discard the changes you made in this form?")]
    expect(page.get_by_label("About you")).to_have_value("Not saved yet")

    dialogs.clear()
    dialogs.confirm = True
    bio.press("Escape")  # Escape is Cancel, and asks the same
    assert dialogs == [("confirm", "Discard the changes you made in this form?")]
    wait_for_focus(page, "Edit details")
    dialogs.clear()
    page.goto("/")
    assert dialogs == []  # nothing left to lose


def test_cancel_of_an_unchanged_section_does_not_ask(page, wren, dialogs):
    page.goto("/u/wren/")
    page.get_by_role("link", name="Edit details").click()
    page.get_by_label("About you").click()
    page.get_by_role("link", name="Cancel").click()
    wait_for_focus(page, "Edit details")
    assert dialogs == []


def test_escape_in_a_reply_box_keeps_the_text_and_returns_to_reply(page, wren, dialogs):
    post = PostFactory()
    CommentFactory(post=post, text="Top comment")
    page.goto(post.get_absolute_url())
    page.get_by_role("link", name="Reply").first.click()
    reply = page.get_by_label("Reply to", exact=False)
    wait_for_focus(page, reply.get_attribute("name"))
    reply.press_sequentially("Half a reply")
    page.keyboard.press("Escape")
    wait_for_focus(page, "Reply")
    expect(reply).to_be_hidden()
    assert dialogs == []  # nothing discarded, so nothing to ask

    page.keyboard.press("Enter")  # Reply again: the same box, as it was
    expect(reply).to_be_visible()
    expect(reply).to_have_value("Half a reply")
    expect(reply).to_be_focused()
    page.keyboard.press("Escape")
    wait_for_focus(page, "Reply")
    page.goto("/")  # folded, not forgotten: leaving still asks
    assert [kind for kind, _ in dialogs] == ["beforeunload"]


def test_escape_in_an_empty_reply_box_closes_it_and_returns_to_reply(page, wren, dialogs):
    post = PostFactory()
    CommentFactory(post=post, text="Top comment")
    page.goto(post.get_absolute_url())
    page.get_by_role("link", name="Reply").first.click()
    reply = page.get_by_label("Reply to", exact=False)
    wait_for_focus(page, reply.get_attribute("name"))
    page.keyboard.press("Escape")
    wait_for_focus(page, "Reply")
    expect(page.locator("[id^=reply-slot-] form")).to_have_count(0)
    page.goto("/")
    assert dialogs == []


def test_folding_a_thread_over_a_typed_comment_asks_first(page, wren, dialogs):
    post = PostFactory()
    page.goto("/")
    toggle = page.locator(f"[aria-controls='thread-slot-{post.pk}']")
    toggle.click()
    comment = page.get_by_role("textbox", name="Comment")
    comment.click()
    comment.press_sequentially("Not sent yet")
    dialogs.confirm = False
    toggle.click()
    assert [kind for kind, _ in dialogs] == ["confirm"]
    expect(comment).to_have_value("Not sent yet")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    dialogs.clear()
    dialogs.confirm = True
    toggle.click()
    assert [kind for kind, _ in dialogs] == ["confirm"]
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator(f"#thread-slot-{post.pk} form")).to_have_count(0)
