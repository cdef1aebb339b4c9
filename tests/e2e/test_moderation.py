"""A member reports a post, a moderator removes it from the queue, and the post is gone from
the reporter's feed; then the moderator suspends its author, which asks to confirm first: in
real browsers, through the pages' own menus and forms."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from apps.moderation.models import AuditEntry, Report
from tests.factories import PostFactory, UserFactory

from .conftest import assert_accessible, open_context, shoot, sign_in, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_reported_post_removed_by_a_moderator_leaves_the_reporters_feed(browser, live_server):
    UserFactory(username="alice", first_name="Alice", last_name="Liddell")
    spammer = UserFactory(username="bob", first_name="Bob", last_name="Builder")
    PostFactory(author=spammer, title="Cheap watches here", text="Buy now")
    PostFactory(author=spammer, title="Garden diary", text="Tomatoes")
    moderator = UserFactory(username="mod", first_name="Mo", last_name="Derator")
    moderator.groups.add(Group.objects.get(name="moderator"))

    reporter_context = open_context(browser, live_server)
    reporter = reporter_context.new_page()
    health = watch(reporter, live_server)
    sign_in(reporter, "alice")
    card = reporter.locator("article", has_text="Cheap watches here")
    card.locator("summary", has_text="More actions for “Cheap watches here”").click()
    card.get_by_role("link", name="Report…").click()
    expect(reporter.get_by_role("heading", name="Report this post")).to_be_visible()
    reporter.get_by_label("Spam or advertising").check()
    reporter.get_by_label("Anything moderators should know (optional)").fill("Posted ten times")
    assert_accessible(reporter)
    reporter.get_by_role("button", name="Send report").click()
    expect(reporter.get_by_role("status")).to_contain_text("your report was sent")
    assert reporter.url.endswith("/sent/")  # a GET: reloading it sends nothing
    # Reported posts stay up until a moderator decides.
    reporter.goto("/")
    expect(reporter.get_by_role("link", name="Cheap watches here")).to_be_visible()

    moderator_context = open_context(browser, live_server)
    queue = moderator_context.new_page()
    sign_in(queue, "mod")
    # Not staff: the user menu leads there.
    queue.locator("#navbar-identity").click()
    queue.get_by_role("link", name="Moderation").click()
    Report.objects.create(reporter=moderator, member=spammer, reason="spam", note="Again")
    queue.reload()
    item = queue.locator("li", has_text="Cheap watches here")
    expect(item).to_contain_text("Reported by 1 member")
    expect(item).to_contain_text("Posted ten times")
    assert_accessible(queue)
    shoot(queue, "moderation-desktop")
    item.get_by_label("Why (the member reads it; kept in the audit log)").fill("Spam")
    item.get_by_role("button", name="Remove").click()
    expect(queue.locator("li", has_text="Cheap watches here")).to_have_count(0)

    reporter.reload()
    expect(reporter.get_by_role("link", name="Garden diary")).to_be_visible()
    expect(reporter.get_by_role("link", name="Cheap watches here")).to_have_count(0)

    # Suspending asks first, and says what it does.
    profile = queue.locator("li", has_text="Profile of @bob")
    profile.get_by_role("link", name="Suspend @bob…").click()
    expect(queue.get_by_role("heading", name="Suspend @bob?")).to_be_visible()
    expect(queue.get_by_text("logs them out everywhere")).to_be_visible()
    assert_accessible(queue)
    queue.get_by_role("button", name="Suspend @bob").click()
    expect(
        queue.locator("[data-error-summary]").get_by_text("This field is required.")
    ).to_be_visible()
    queue.get_by_label("Why (the member reads it; kept in the audit log)").fill("Spammer")
    queue.get_by_role("button", name="Suspend @bob").click()
    expect(queue.get_by_text("@bob is suspended")).to_be_visible()
    entries = AuditEntry.objects.order_by("created").values_list("moderator_name", "action",
                                                                   "reason")  # fmt: skip
    assert list(entries) == [("mod", "remove", "Spam"), ("mod", "suspend", "Spammer")]
    health.assert_clean()
    moderator_context.close()
    reporter_context.close()
