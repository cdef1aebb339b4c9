"""One moderation case from start to end, in real browsers and through the pages' own menus
and forms: a member reports a post with an image; a moderator (not staff) sees it in the queue
with its thumbnail and the author's history, and suspends the author after a confirmation
page; the author is told by email, and again by email (never on the page) when his right
password is refused like a wrong one, and appeals from the emailed link;
the moderator reverses the suspension from the Appeals page; the author and his image are
back, and the audit log keeps both decisions with their reasons."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from playwright.sync_api import expect

from apps.feed import services as feed
from apps.moderation.models import Appeal, Report
from tests.factories import PASSWORD, UserFactory
from tests.images import image_bytes

from .conftest import assert_accessible, open_context, sign_in, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TITLE = "Cheap watches here"
ALT = "A pile of shiny watches"
SUSPENDED_BECAUSE = "Posts from a spam bot"
APPEAL = "I am a person, not a bot: I sell my grandfather's watches."
REVERSED_BECAUSE = "A real person selling their own things"


@pytest.fixture
def browse(browser, live_server):
    """Open a fresh browser (its own cookies: a person of their own) and its page, watched
    for console errors and failed requests; all are closed at the end of the test."""
    contexts = []

    def new_page():
        context = open_context(browser, live_server)
        contexts.append(context)
        page = context.new_page()
        page.health = watch(page, live_server)
        return page

    yield new_page
    for context in contexts:
        context.close()


def assert_image_loaded(image) -> None:
    """The browser fetched and decoded the image: what a person sees as a picture."""
    image.scroll_into_view_if_needed()
    expect(image).to_be_visible()
    image.page.wait_for_function(
        "image => image.complete && image.naturalWidth > 0", arg=image.element_handle()
    )


def mail_to(address: str, subject: str):
    [message] = [m for m in mail.outbox if m.to == [address] and m.subject == subject]
    return message


def appeal_path(body: str) -> str:
    """The path of the appeal link in an email (its origin is the test settings' SITE_URL,
    not the live server's)."""
    found = re.search(r"you can appeal: \S*?(/appeal/[^/\s]+/)", body)
    assert found, body
    return found.group(1)


def test_report_suspend_appeal_reverse_and_audit(browse, live_server):
    UserFactory(username="alice", first_name="Alice", last_name="Liddell")
    bob = UserFactory(username="bob", first_name="Bob", last_name="Builder")
    post = feed.create_post(author=bob, title=TITLE, text="Buy now, ten for one", tags=[],
                            image=image_bytes(size=(640, 360)), image_alt=ALT)  # fmt: skip
    public_image = post.image.url
    moderator = UserFactory(username="mod", first_name="Mo", last_name="Derator")
    moderator.groups.add(Group.objects.get(name="moderator"))
    assert not moderator.is_staff
    # A second moderator answers the appeal: nobody answers the appeal of their own decision.
    judge = UserFactory(username="judge", first_name="Jo", last_name="Judge")
    judge.groups.add(Group.objects.get(name="moderator"))

    # 1. Alice reports bob's post through the card's menu; bob is signed in meanwhile.
    author = browse()
    sign_in(author, "bob")
    reporter = browse()
    sign_in(reporter, "alice")
    card = reporter.locator("article", has_text=TITLE)
    assert_image_loaded(card.get_by_role("img", name=ALT))
    card.locator("summary", has_text=f"More actions for “{TITLE}”").click()
    card.get_by_role("link", name="Report…").click()
    expect(reporter).to_have_url(f"{live_server.url}/report/post/{post.pk}/")
    expect(reporter.get_by_role("heading", name="Report this post")).to_be_visible()
    reporter.get_by_label("Spam or advertising").check()
    reporter.get_by_label("Anything moderators should know (optional)").fill("Posted ten times")
    reporter.get_by_role("button", name="Send report").click()
    # Post/redirect/get: the browser ends on the "sent" page, and reloading it sends nothing.
    expect(reporter).to_have_url(f"{live_server.url}/report/post/{post.pk}/sent/")
    expect(reporter.get_by_role("status")).to_contain_text("Thank you: your report was sent")
    reporter.reload()
    expect(reporter.get_by_role("status")).to_contain_text("Thank you: your report was sent")
    assert Report.objects.filter(post=post).count() == 1

    # 2. The moderator finds it from the user menu, with its thumbnail and bob's history.
    desk = browse()
    sign_in(desk, "mod")
    desk.locator("#navbar-identity").click()
    desk.get_by_role("link", name="Moderation").click()
    expect(desk).to_have_url(f"{live_server.url}/moderation/")
    item = desk.locator(f"#report-post-{post.pk}")
    expect(item).to_contain_text(f"Post “{TITLE}” by @bob")
    assert_image_loaded(item.get_by_role("img", name=ALT))
    expect(item.locator("[data-history='bob']")).to_have_text(
        "History of @bob: no other reports, removals or suspensions"
    )
    expect(item).to_contain_text("Reported by 1 member")
    expect(item.get_by_role("list", name="Reasons")).to_have_text("Spam or advertising × 1")
    expect(item).to_contain_text("@alice: Posted ten times")
    assert_accessible(desk)

    # 3. Suspending asks first, says what it does, and needs a reason.
    item.get_by_role("link", name="Suspend @bob…").click()
    expect(desk).to_have_url(f"{live_server.url}/moderation/suspend/post/{post.pk}/")
    expect(desk.get_by_role("heading", name="Suspend @bob?")).to_be_visible()
    for consequence in (
        "logs them out everywhere, at once;",
        "hides their posts, comments, messages and profile from everyone;",
        "refuses their login until the suspension is lifted;",
        "closes the open reports about this and about their profile.",
    ):
        expect(desk.get_by_role("listitem").filter(has_text=consequence)).to_be_visible()
    assert_image_loaded(desk.get_by_role("img", name=ALT))
    desk.get_by_role("button", name="Suspend @bob").click()
    expect(
        desk.locator("[data-error-summary]").get_by_text("This field is required.")
    ).to_be_visible()
    expect(desk.get_by_role("heading", name="Suspend @bob?")).to_be_visible()
    bob.refresh_from_db()
    assert bob.is_active
    desk.get_by_label("Why (the member reads it; kept in the audit log)").fill(SUSPENDED_BECAUSE)
    desk.get_by_role("button", name="Suspend @bob").click()
    expect(desk).to_have_url(f"{live_server.url}/moderation/")
    expect(desk.get_by_text("@bob is suspended: logged out everywhere")).to_be_visible()
    expect(desk.get_by_text("No open reports. Nothing waits for a decision.")).to_be_visible()

    # Everything of bob's is hidden, his image too, and his open session has ended.
    reporter.goto("/")
    expect(reporter.get_by_role("link", name=TITLE)).to_have_count(0)
    assert reporter.request.get(public_image).status == 404
    author.reload()
    expect(author.locator("#navbar-menu").get_by_role("link", name="Log in")).to_be_visible()
    expect(author.locator("#navbar-identity")).to_have_count(0)

    # 4. Bob is told by email, with the reason and a link to appeal.
    notice = mail_to("bob@example.com", "[Eternity] Account suspended")
    assert "Moderators suspended your account" in notice.body
    assert f"Why: {SUSPENDED_BECAUSE}" in notice.body
    assert appeal_path(notice.body)
    # His right password is refused exactly like a wrong one; the reason and a fresh link to
    # appeal come by email instead.
    author.goto("/accounts/login/")
    author.get_by_label("Username or email").fill("bob")
    author.get_by_label("Password").fill(PASSWORD)
    author.get_by_role("button", name="Sign In", exact=True).click()
    expect(author).to_have_url(f"{live_server.url}/accounts/login/")
    expect(
        author.get_by_text("The username and/or password you specified are not correct.")
    ).to_be_visible()
    expect(author.get_by_text(SUSPENDED_BECAUSE)).to_have_count(0)
    reminder = mail_to("bob@example.com", "[Eternity] Login refused: your account is suspended")
    assert f"Why: {SUSPENDED_BECAUSE}" in reminder.body
    emailed_link = appeal_path(reminder.body)
    # The emailed link works without a session.
    appellant = browse()
    appellant.goto(emailed_link)
    heading = appellant.get_by_role("heading", name="A moderators' decision about you")
    expect(heading).to_be_visible()
    expect(appellant.get_by_text("Moderators suspended your account")).to_be_visible()
    expect(appellant.get_by_text(f"Why: {SUSPENDED_BECAUSE}")).to_be_visible()
    appellant.get_by_label("Why should moderators look again?").fill(APPEAL)
    assert_accessible(appellant)
    appellant.get_by_role("button", name="Send appeal").click()
    expect(appellant).to_have_url(f"{live_server.url}{emailed_link}")
    told = appellant.get_by_role("status")
    expect(told.filter(has_text="Your appeal was sent.")).to_be_visible()
    expect(appellant.get_by_role("heading", name="Your appeal")).to_be_visible()
    expect(appellant.get_by_text(APPEAL)).to_be_visible()
    expect(told.filter(has_text="you will be told what they decide and why")).to_be_visible()
    assert Appeal.objects.get().text == APPEAL

    # 5. The second moderator reverses the suspension from the Appeals page.
    suspender, desk = desk, browse()
    sign_in(desk, "judge")
    desk.goto("/moderation/")
    desk.get_by_role("navigation", name="Moderation").get_by_role("link", name="Appeals").click()
    expect(desk).to_have_url(f"{live_server.url}/moderation/appeals/")
    appeal = desk.locator("li", has_text=APPEAL)
    expect(appeal).to_contain_text("@bob · Suspended the member")
    expect(appeal).to_contain_text(f"The moderator's reason: {SUSPENDED_BECAUSE}")
    expect(appeal).to_contain_text(f"post {post.pk} “{TITLE}”")  # what led to it
    appeal.get_by_label("Why (the member reads it; kept in the audit log)").fill(REVERSED_BECAUSE)
    appeal.get_by_role("button", name="Reverse: lift the suspension").click()
    expect(desk.get_by_text("The decision is reversed; @bob is told why.")).to_be_visible()
    expect(desk.get_by_text("No appeals wait for a decision.")).to_be_visible()

    answer = mail_to("bob@example.com", "[Eternity] Moderators answered your appeal")
    assert "your account is active again" in answer.body
    assert f"Why: {REVERSED_BECAUSE}" in answer.body
    # Bob signs in again and finds his post with its image, at a public address again.
    sign_in(author, "bob")
    author.goto("/u/bob/")
    mine = author.locator("article", has_text=TITLE)
    assert_image_loaded(mine.get_by_role("img", name=ALT))
    post.refresh_from_db()
    assert post.image.url.startswith("/media/posts/")
    expect(mine.get_by_role("img", name=ALT)).to_have_attribute("src", post.image.url)
    # So does everyone else; the address it had before the suspension is gone for good.
    reporter.reload()
    assert_image_loaded(reporter.locator("article", has_text=TITLE).get_by_role("img", name=ALT))
    assert reporter.request.get(post.image.url).status == 200
    assert reporter.request.get(public_image).status == 404

    # 6. The audit log keeps both decisions, newest first, with their reasons.
    desk.get_by_role("link", name="Audit log").click()
    expect(desk).to_have_url(f"{live_server.url}/moderation/log/")
    rows = desk.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("@judge")
    expect(rows.nth(0)).to_contain_text("Reversed a decision on appeal")
    expect(rows.nth(0)).to_contain_text("@bob")
    expect(rows.nth(0)).to_contain_text(REVERSED_BECAUSE)
    expect(rows.nth(1)).to_contain_text("@mod")
    expect(rows.nth(1)).to_contain_text("Suspended the member")
    expect(rows.nth(1)).to_contain_text(f"post {post.pk} “{TITLE}”")
    expect(rows.nth(1)).to_contain_text(SUSPENDED_BECAUSE)
    assert_accessible(desk)

    for page in (author, reporter, appellant):
        page.health.assert_clean()
    # The moderator's one error is the refused suspension without a reason (a 400 page).
    assert suspender.health.console_errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    suspender.health.console_errors.clear()
    suspender.health.assert_clean()
    desk.health.assert_clean()
