"""The notifications page on a phone: every kind on one screen, compact rows, read when
viewed, accessible."""

import pytest
from playwright.sync_api import expect

from apps.feed import services as feed
from apps.social import services as social
from tests.factories import PostFactory, UserFactory

from .conftest import MOBILE, assert_accessible, log_in, open_context, shoot, watch

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_polls"),
]

LONG = (
    "I read this twice on the train this morning and kept thinking about the part where the "
    "garden comes back after the frost: it is exactly what happened to ours last spring, and "
    "the roses were the first to wake."
)


def a_notified_member():
    """Alice, told of a follow, a burst of likes, a comment, a reply and a mention."""
    alice = UserFactory(username="alice", first_name="Alice", last_name="Liddell")
    post = PostFactory(author=alice, title="Notes from the garden after the first frost")
    names = [("bob", "Bob", "Builder"), ("chloe", "Chloe", "Price"), ("dan", "Dan", "Brown"),
             ("eve", "Eve", "Moneypenny"), ("fay", "Fay", "Wray")]  # fmt: skip
    people = [UserFactory(username=u, first_name=f, last_name=last) for u, f, last in names]
    for person in people:
        feed.set_like(user=person, post=post, liked=True)
    social.follow(follower=people[0], followee=alice)
    mine = feed.create_comment(author=alice, post=PostFactory(author=people[1]), text="Lovely.")
    feed.create_comment(author=people[2], post=mine.post, text="Thank you!", parent=mine)
    feed.create_comment(author=people[3], post=post, text=LONG)
    feed.create_comment(author=people[4], post=PostFactory(author=people[4]),
                        text="@alice have you seen <script>this</script>?")  # fmt: skip
    return alice


def row_heights(page) -> list[float]:
    return page.locator(".notification").evaluate_all(
        "(rows) => rows.map((row) => row.getBoundingClientRect().height)"
    )


def test_notifications_on_a_phone_are_compact_read_when_viewed_and_accessible(browser, live_server):
    alice = a_notified_member()
    context = open_context(browser, live_server, viewport=MOBILE)
    log_in(context, live_server, alice)
    page = context.new_page()
    health = watch(page, live_server)
    page.goto("/notifications/")
    rows = page.locator(".notification")
    expect(rows).to_have_count(5)
    heights = row_heights(page)
    line = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('.notification-body'))"
        ".lineHeight)"
    )
    lines = [round((height - 17) / line) for height in heights]  # less padding and border
    print(f"row heights at 390 px: {heights}, lines {lines}")
    # Before: 87, 110, 86, 62 and 110 px (three or four lines each) without any excerpt. Now
    # the sentence and one line under it quoting what was said, its time and "New"; a long
    # sentence (several actors, a long name) takes a second line.
    assert max(lines) <= 3, heights
    assert sum(1 for n in lines if n <= 2) >= 3, heights
    # Shown as new, though already read: the bell in this very page is clear.
    expect(page.locator(".notification-unread")).to_have_count(5)
    expect(page.locator("#notification-bell [data-unread-count]")).to_have_count(0)
    expect(rows.first).to_contain_text("Fay Wray mentioned you")
    expect(rows.first).to_contain_text("“@alice have you seen <script>this</script>?”")
    expect(rows.last).to_contain_text("Fay Wray, Eve Moneypenny and 3 others liked your post")
    expect(rows.last.locator(".avatar-stack .avatar")).to_have_count(3)
    expect(page.get_by_role("link", name="All", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    assert_accessible(page)
    shoot(page, "notifications-kinds-mobile")

    page.get_by_role("link", name="Mentions").click()
    page.wait_for_url("**/notifications/?kind=mention")
    expect(rows).to_have_count(1)
    expect(page.get_by_role("link", name="Mentions")).to_have_attribute("aria-current", "page")
    # Read now: nothing is new any more, and the poll keeps the bell clear.
    expect(page.locator(".notification-unread")).to_have_count(0)
    bell = page.locator("#notification-bell [data-unread-count]")
    with page.expect_response(lambda response: "/presence/" in response.url):
        pass  # the poll (every second here) keeps the bell clear
    expect(bell).to_have_count(0)
    # Something new after the page was read: the next poll counts it.
    social.follow(follower=UserFactory(username="gus"), followee=alice)
    expect(bell).to_have_text("1", timeout=5000)
    health.assert_clean()
    context.close()
