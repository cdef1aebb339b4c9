"""A suspended member is told why by email and appeals; a moderator reverses the suspension from the
Appeals page; the member is back and told so: in real browsers, through the pages' own forms."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from playwright.sync_api import expect

from apps.moderation import services
from apps.moderation.models import AuditEntry
from tests.factories import PASSWORD, PostFactory, UserFactory

from .conftest import assert_accessible, open_context, sign_in, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_suspended_member_appeals_and_a_moderator_reinstates_them(browser, live_server):
    bob = UserFactory(username="bob", first_name="Bob", last_name="Builder")
    PostFactory(author=bob, title="Cheap watches here", text="Buy now")
    moderator = UserFactory(username="mod", first_name="Mo", last_name="Derator")
    moderator.groups.add(Group.objects.get(name="moderator"))
    # Another moderator suspended bob: nobody answers the appeal of their own decision.
    other = UserFactory(username="othermod")
    other.groups.add(Group.objects.get(name="moderator"))
    services.suspend(moderator=other, member=bob, reason="Posts from a spam bot", thing=None)

    member_context = open_context(browser, live_server)
    member = member_context.new_page()
    health = watch(member, live_server)
    member.goto("/accounts/login/")
    member.get_by_label("Username or email").fill("bob")
    member.get_by_label("Password").fill(PASSWORD)
    member.get_by_role("button", name="Sign In", exact=True).click()
    # Refused like a wrong password; why, and the link to appeal, come by email.
    expect(
        member.get_by_text("The username and/or password you specified are not correct.")
    ).to_be_visible()
    expect(member.get_by_text("Posts from a spam bot")).to_have_count(0)
    [reminder] = [m for m in mail.outbox if "Login refused" in m.subject]
    assert "Why: Posts from a spam bot" in reminder.body
    member.goto(re.search(r"you can appeal: \S*?(/appeal/[^/\s]+/)", reminder.body).group(1))
    expect(member.get_by_text("Why: Posts from a spam bot")).to_be_visible()
    assert_accessible(member)
    member.get_by_label("Why should moderators look again?").fill("I am a person, not a bot.")
    assert_accessible(member)
    member.get_by_role("button", name="Send appeal").click()
    expect(member.get_by_role("status").first).to_contain_text("Moderators will look at it")

    moderator_context = open_context(browser, live_server)
    desk = moderator_context.new_page()
    sign_in(desk, "mod")
    desk.goto("/moderation/")
    desk.get_by_role("link", name="Appeals").click()
    item = desk.locator("li", has_text="I am a person, not a bot.")
    expect(item).to_contain_text("@bob")
    expect(item).to_contain_text("Posts from a spam bot")
    assert_accessible(desk)
    item.get_by_label("Why (the member reads it; kept in the audit log)").fill("A real person")
    item.get_by_role("button", name="Reverse: lift the suspension").click()
    expect(desk.get_by_text("No appeals wait for a decision.")).to_be_visible()

    sign_in(member, "bob")
    member.goto("/notifications/")
    expect(member.get_by_text("your account is active again")).to_be_visible()
    expect(member.get_by_text("Why: A real person")).to_be_visible()
    assert [e.action for e in AuditEntry.objects.order_by("id")] == ["suspend", "restore"]
    health.assert_clean()
    moderator_context.close()
    member_context.close()
