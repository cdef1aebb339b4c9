"""A member reports a post, a moderator removes it from the queue, and the post is gone from
the reporter's feed: in real browsers, through the pages' own menus and forms."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from apps.moderation.models import AuditEntry
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
    # Reported posts stay up until a moderator decides.
    reporter.goto("/")
    expect(reporter.get_by_role("link", name="Cheap watches here")).to_be_visible()

    moderator_context = open_context(browser, live_server)
    queue = moderator_context.new_page()
    sign_in(queue, "mod")
    queue.goto("/moderation/")
    item = queue.locator("li", has_text="Cheap watches here")
    expect(item).to_contain_text("Reported by 1 member")
    expect(item).to_contain_text("Posted ten times")
    assert_accessible(queue)
    shoot(queue, "moderation-desktop")
    item.get_by_label("Why (kept in the audit log; needed to remove or suspend)").fill("Spam")
    item.get_by_role("button", name="Remove").click()
    expect(queue.get_by_text("No open reports.")).to_be_visible()

    reporter.reload()
    expect(reporter.get_by_role("link", name="Garden diary")).to_be_visible()
    expect(reporter.get_by_role("link", name="Cheap watches here")).to_have_count(0)
    entry = AuditEntry.objects.get()
    assert (entry.moderator_name, entry.action, entry.reason) == ("mod", "remove", "Spam")
    health.assert_clean()
    moderator_context.close()
    reporter_context.close()
