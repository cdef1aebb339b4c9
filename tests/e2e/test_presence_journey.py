"""Issue 36's story in real browsers, one context per device: boris limits who sees him online
to mutuals, so alice (who follows him, not followed back) sees him offline while chloe (a
mutual) still sees him online; boris appears offline for an hour and chloe sees him as last
seen; alice reads the feed on one device and her second shows "You were here" at the same
post, the first counting the new posts in the tab and the title.

"Within one poll" is asserted strictly: the first poll a page sends after the change already
shows it (each page counts its answered polls, see POLLS_ANSWERED)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.profiles.models import Profile
from apps.social import services as social
from tests.factories import PostFactory, UserFactory

from .conftest import log_in, open_context, watch

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_polls"),
]
WAIT = 8000  # polls every second; a loaded machine may take a few
SHOWN = 1  # ms: what the page shows once a poll is answered is already there, no later poll

# htmx fires afterRequest once the answer's out-of-band swaps are in the page.
POLLS_ANSWERED = """
document.addEventListener("htmx:afterRequest", function (event) {
  if (event.detail.elt && event.detail.elt.id === "presence-poller") {
    window.pollsAnswered = (window.pollsAnswered || 0) + 1;
  }
});
"""


def device(browser, live_server, user):
    """A browser context signed in as `user`, its page watched for errors."""
    context = open_context(browser, live_server)
    context.add_init_script(POLLS_ANSWERED)
    log_in(context, live_server, user)
    page = context.new_page()
    page.health = watch(page, live_server)
    return page


def next_poll(page) -> None:
    """Wait until a poll the page sends from now on is answered. The poll in flight may have
    left before now; the one after it cannot (htmx sends one at a time per element)."""
    answered = page.evaluate("() => window.pollsAnswered || 0")
    page.wait_for_function("(n) => (window.pollsAnswered || 0) >= n + 2", arg=answered)


def test_boris_hides_from_alice_appears_offline_to_chloe_and_alice_continues_on_her_second_device(
    browser, live_server
):
    alice = UserFactory(username="alice", first_name="Alice", last_name="Liddell")
    boris = UserFactory(username="boris", first_name="Boris", last_name="Pasternak")
    chloe = UserFactory(username="chloe", first_name="Chloe", last_name="Moreau")
    social.follow(follower=chloe, followee=boris)
    social.follow(follower=boris, followee=chloe)
    social.follow(follower=alice, followee=boris)
    start = timezone.now() - timedelta(hours=3)
    read = [
        PostFactory(author=author, title=f"Read {n}", created=start + timedelta(minutes=n))
        for n, author in enumerate([chloe, boris, chloe, boris])
    ]

    boris_page = device(browser, live_server, boris)
    alice_page = device(browser, live_server, alice)
    chloe_page = device(browser, live_server, chloe)
    pages = [boris_page, alice_page, chloe_page]
    boris_page.goto("/u/boris/")
    badge = {}
    for name, page in (("alice", alice_page), ("chloe", chloe_page)):
        page.goto("/u/boris/")
        badge[name] = page.locator("main [data-presence='boris']")
        expect(badge[name]).to_have_text("● Online", timeout=WAIT)

    # 1. Boris limits who sees him online to mutuals, in his profile's inline details form.
    boris_page.get_by_role("link", name="Edit details").click()
    choices = boris_page.get_by_role("group", name="Who sees when you are online")
    expect(choices.get_by_role("radio", name="Everyone")).to_be_checked()
    choices.get_by_role("radio", name="People I follow who follow me").check()
    boris_page.get_by_role("button", name="Save").click()
    expect(boris_page.locator("#section-details")).to_contain_text(
        "Who sees when you are online: People I follow who follow me."
    )
    assert Profile.objects.get(user=boris).presence_audience == "mutuals"

    next_poll(alice_page)
    expect(badge["alice"]).to_have_text("○ Offline", timeout=SHOWN)
    next_poll(chloe_page)
    expect(badge["chloe"]).to_have_text("● Online", timeout=SHOWN)

    # 2. Boris appears offline for an hour from his avatar menu; his bar says so.
    state = boris_page.locator("#appear-offline-state")
    expect(state).to_be_hidden()
    boris_page.get_by_role("button", name="Boris Pasternak").click()
    boris_page.get_by_role("group", name="Appear offline").get_by_role(
        "button", name="For 1 hour"
    ).click()
    expect(state).to_be_visible()
    expect(state).to_contain_text("Appearing offline until")
    expect(state.get_by_role("button", name="Turn off")).to_be_visible()
    assert Profile.objects.get(user=boris).offline_until is not None

    next_poll(chloe_page)
    expect(badge["chloe"]).to_contain_text("○ Last seen", timeout=SHOWN)
    expect(chloe_page.locator("#presence-announcer")).to_contain_text("boris: Last seen")
    next_poll(alice_page)
    expect(badge["alice"]).to_have_text("○ Offline", timeout=SHOWN)

    # 3. Alice reads everyone's posts on her first device: the newest she has seen is on top.
    alice_page.goto("/?tab=everyone")
    first_posts = alice_page.locator("#posts article")
    expect(first_posts.first).to_have_attribute("id", f"post-{read[-1].pk}")
    expect(alice_page.locator("#you-were-here")).to_have_count(0)

    # Boris writes one through the site (still appearing offline), chloe two more.
    boris_page.goto("/posts/new/")
    boris_page.get_by_label("Title").fill("The garden under snow")
    boris_page.get_by_label("Text").fill("White on every branch.")
    boris_page.get_by_role("button", name="Publish").click()
    boris_page.get_by_text("Your post is published.").wait_for()
    new = [PostFactory(author=chloe, title=f"New {n}") for n in range(2)]

    everyone = alice_page.get_by_role("link", name=re.compile(r"^Everyone"))
    expect(everyone).to_contain_text("· 3", timeout=WAIT)
    expect(everyone).to_have_accessible_name(re.compile("3 new posts"))
    expect(alice_page).to_have_title(re.compile(r"^\(3\) "))
    expect(first_posts.first).to_have_attribute("id", f"post-{read[-1].pk}")

    # Her second device shows the new posts, then "You were here" right above that same post.
    second = device(browser, live_server, alice)
    pages.append(second)
    second.goto("/?tab=everyone")
    second_posts = second.locator("#posts article")
    expect(second_posts.first).to_have_attribute("id", f"post-{new[-1].pk}")
    expect(second.locator("#you-were-here")).to_contain_text("You were here")
    expect(second.locator("#you-were-here + article")).to_have_attribute(
        "id", f"post-{read[-1].pk}"
    )
    expect(second.locator("#posts > article:has(~ #you-were-here)")).to_have_count(3)
    expect(second.get_by_role("link", name="Jump to where you left off")).to_be_visible()

    # Read there, so the first device's counts go with its next poll.
    next_poll(alice_page)
    expect(everyone).not_to_contain_text("·", timeout=SHOWN)
    expect(alice_page).not_to_have_title(re.compile(r"^\("))
    for page in pages:
        page.health.assert_clean()
