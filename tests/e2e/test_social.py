"""Following, online now and notifications in real browsers: what one member does reaches
another member's open tab through the page's single poll."""

import pytest
from playwright.sync_api import expect

from apps.feed.models import Post
from tests.factories import PostFactory, UserFactory

from .conftest import log_in, open_context, sign_in, watch

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_polls"),
]


def test_a_followed_member_logging_in_appears_in_online_now(browser, live_server):
    UserFactory(username="alice", first_name="Alice", last_name="Liddell")
    UserFactory(username="bob", first_name="Bob", last_name="Builder")
    PostFactory(author=UserFactory.create(username="carol"), title="Hello from Carol")

    follower_context = open_context(browser, live_server)
    follower = follower_context.new_page()
    health = watch(follower, live_server)
    sign_in(follower, "alice")

    # Follow Bob from his profile, with htmx: the button and the count change in place.
    follower.goto("/u/bob/")
    follow = follower.get_by_role("button", name="Follow @bob")
    follow.click()
    following = follower.get_by_role("button", name="Following @bob")
    expect(following).to_have_attribute("aria-pressed", "true")
    expect(following).to_be_focused()
    expect(follower.locator("#follow-counts")).to_contain_text("1 follower")

    follower.goto("/")
    online = follower.locator("#online-now")
    expect(online).to_contain_text("Nobody you follow is online right now.")

    bob_context = open_context(browser, live_server)
    bob = bob_context.new_page()
    sign_in(bob, "bob")

    # Within one poll interval (1 s here), without reloading.
    expect(online.locator("[data-online-now='bob']")).to_contain_text("Bob Builder", timeout=3000)
    health.assert_clean()
    bob_context.close()
    follower_context.close()


def test_a_like_reaches_the_authors_open_tab_as_an_unread_count(browser, live_server):
    alice = UserFactory(username="alice", first_name="Alice", last_name="Liddell")
    UserFactory(username="bob", first_name="Bob", last_name="Builder")
    post = PostFactory(author=alice, title="Spring notes")

    author_context = open_context(browser, live_server)
    log_in(author_context, live_server, alice)
    author = author_context.new_page()
    health = watch(author, live_server)
    author.goto("/u/alice/")
    bell = author.locator("#notification-bell")
    expect(bell).to_have_accessible_name("Notifications")

    liker_context = open_context(browser, live_server)
    liker = liker_context.new_page()
    sign_in(liker, "bob")
    liker.goto(post.get_absolute_url())
    liker.get_by_role("button", name="Like").click()
    expect(liker.get_by_role("button", name="Liked")).to_be_visible()

    expect(bell.locator("[data-unread-count]")).to_have_text("1", timeout=3000)
    expect(bell).to_have_accessible_name("Notifications 1 unread")

    bell.click()
    author.wait_for_url("**/notifications/")
    # Read as it is viewed: the bell on this very page is clear, the line still says it is new.
    item = author.locator(".notification-unread")
    expect(item).to_contain_text("Bob Builder liked your post")
    expect(item).to_contain_text("“Spring notes”")
    expect(author.locator("#notification-bell [data-unread-count]")).to_have_count(0)
    item = author.locator(".notification").first
    item.get_by_role("link").click()
    author.wait_for_url(f"**{post.get_absolute_url()}")
    assert Post.objects.get(pk=post.pk).like_count == 1
    health.assert_clean()
    liker_context.close()
    author_context.close()


def test_following_from_a_card_updates_every_card_of_that_author(browser, live_server):
    alice = UserFactory(username="alice", first_name="Alice", last_name="Liddell")
    bob = UserFactory(username="bob", first_name="Bob", last_name="Builder")
    PostFactory(author=bob, title="First from Bob")
    PostFactory(author=bob, title="Second from Bob")
    context = open_context(browser, live_server)
    log_in(context, live_server, alice)
    page = context.new_page()
    health = watch(page, live_server)
    page.goto("/")
    cards = page.locator("#posts")  # Bob is also in "Who to follow", beside them
    buttons = cards.get_by_role("button", name="Follow @bob")
    expect(buttons).to_have_count(2)
    buttons.nth(1).click()
    following = cards.get_by_role("button", name="Following @bob")
    expect(following).to_have_count(2)
    expect(following.nth(1)).to_be_focused()
    # The Following tab now has Bob's posts.
    page.get_by_role("link", name="Following").click()
    expect(page.get_by_role("heading", name="Second from Bob")).to_be_visible()
    health.assert_clean()
    context.close()


def test_search_results_follow_the_typing(page):
    UserFactory(username="spring_fan", first_name="Vera", last_name="Spring")
    PostFactory(title="Spring notes", text="Buds everywhere.")
    PostFactory(title="Winter notes", text="Snow.")
    page.goto("/search/")
    box = page.get_by_label("People and posts")
    expect(box).to_be_focused()
    box.press_sequentially("spri", delay=50)
    results = page.locator("#search-results")
    expect(results.get_by_role("heading", name="Spring notes")).to_be_visible()
    expect(results.get_by_role("link", name="Vera Spring")).to_be_visible()
    expect(results).not_to_contain_text("Winter notes")
    expect(page.locator("#search-status")).to_contain_text("Found 1 person and 1 post.")
    page.wait_for_url("**/search/?q=spri")
    page.health.assert_clean()


def test_muting_from_a_card_takes_every_card_of_that_author_away_and_undo_brings_them_back(
    browser, live_server
):
    alice = UserFactory(username="alice", first_name="Alice", last_name="Liddell")
    bob = UserFactory(username="bob", first_name="Bob", last_name="Builder")
    PostFactory(author=UserFactory(username="carol"), title="Hello from Carol")
    PostFactory(author=bob, title="First from Bob")
    second = PostFactory(author=bob, title="Second from Bob")
    context = open_context(browser, live_server)
    log_in(context, live_server, alice)
    page = context.new_page()
    health = watch(page, live_server)
    page.goto("/")
    card = page.locator(f"#post-{second.pk}")
    card.locator("summary").click()
    card.get_by_role("button", name="Mute @bob").click()

    note = page.get_by_role("status").filter(has_text="You muted @bob")
    expect(note).to_be_visible()
    expect(note).to_be_focused()
    expect(page.get_by_role("heading", name="First from Bob")).to_have_count(0)
    expect(page.get_by_role("heading", name="Second from Bob")).to_have_count(0)
    expect(page.get_by_role("heading", name="Hello from Carol")).to_be_visible()

    note.get_by_role("button", name="Undo muting @bob").click()
    expect(page.get_by_role("heading", name="First from Bob")).to_be_visible()
    expect(page.get_by_role("heading", name="Second from Bob")).to_be_visible()
    expect(page.get_by_text("You unmuted @bob.")).to_be_visible()
    health.assert_clean()
    context.close()
