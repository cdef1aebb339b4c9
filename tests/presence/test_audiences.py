"""Presence audiences, the matrix the issue asks for: every kind of viewer, by the member's
audience, by the viewer's own audience (reciprocity), by a block either way, by appearing offline,
asserting what the viewer sees of boris on his profile, on his post's card in the feed, in the
poll's answer, and in "online now" (the poll's and the feed page's).

The expected outcome comes from the small tables below, written from the issue's words, never
from apps.profiles.audiences: a mistake in the rule makes a row disagree."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from apps.conversations import services as conversations
from apps.feed.models import Post
from apps.profiles.models import Profile
from apps.social import services as social
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db
POLL = {"HX-Request": "true", "X-Background": "1"}
T0 = timezone.datetime(2026, 11, 25, 12, 0, tzinfo=timezone.UTC)
# While boris appears offline, others get this moment as his "last seen": five days ago, so a
# rough viewer sees "this week" (not "recently", which his real activity would give).
FROZEN = T0 - timedelta(days=5)

# How the viewer relates to boris: who follows whom.
STRANGER, FOLLOWER, FOLLOWED, MUTUAL = "stranger", "follower", "followed", "mutual"
RELATIONS = (STRANGER, FOLLOWER, FOLLOWED, MUTUAL)
FOLLOWS = {  # (viewer follows boris, boris follows viewer)
    STRANGER: (False, False),
    FOLLOWER: (True, False),
    FOLLOWED: (False, True),
    MUTUAL: (True, True),
}
# Whom an audience lets in, by how they relate to its owner: "following" = the people the
# owner follows; "mutuals" = those who also follow the owner back.
BORIS_LETS_IN = {  # the relation is the viewer's to boris: FOLLOWED = boris follows them
    "everyone": {STRANGER, FOLLOWER, FOLLOWED, MUTUAL},
    "following": {FOLLOWED, MUTUAL},
    "mutuals": {MUTUAL},
    "nobody": set(),
}
VIEWER_LETS_IN = {  # the same seen from the viewer's side: FOLLOWER = they follow boris
    "everyone": {STRANGER, FOLLOWER, FOLLOWED, MUTUAL},
    "following": {FOLLOWER, MUTUAL},
    "mutuals": {MUTUAL},
    "nobody": set(),
}
AUDIENCES = ("everyone", "following", "mutuals", "nobody")
NO_BLOCK, VIEWER_BLOCKS, BORIS_BLOCKS = "no block", "viewer blocks", "boris blocks"


def expected_sight(viewer: str, relation: str, boris_audience: str, own_audience: str,
                   block: str) -> str:  # fmt: skip
    """exact | rough | none, from the tables above."""
    if viewer == "self":
        return "exact"
    if viewer == "guest":
        return "exact" if boris_audience == "everyone" else "none"
    if block != NO_BLOCK or relation not in BORIS_LETS_IN[boris_audience]:
        return "none"
    if relation not in VIEWER_LETS_IN[own_audience]:
        return "rough"
    return "exact"


def expected_badge(sight: str, offline: bool) -> tuple[str, str | None]:
    """The badge's status class and the moment it names. Boris is really online now."""
    if sight == "none":
        return "offline", None
    if sight == "rough":
        return ("this-week", None) if offline else ("recently", None)
    return ("last-seen", FROZEN.isoformat()) if offline else ("online", None)


CASES = [
    pytest.param("guest", None, audience, None, NO_BLOCK, offline,
                 id=f"guest-{audience}-{'offline' if offline else 'online'}")
    for audience in AUDIENCES for offline in (False, True)
] + [
    pytest.param("self", None, audience, audience, NO_BLOCK, offline,
                 id=f"self-{audience}-{'offline' if offline else 'online'}")
    for audience in AUDIENCES for offline in (False, True)
] + [
    pytest.param("member", relation, audience, own, NO_BLOCK, offline,
                 id=f"{relation}-boris:{audience}-own:{own}-{'offline' if offline else 'online'}")
    for relation in RELATIONS for audience in AUDIENCES for own in ("everyone", "mutuals", "nobody")
    for offline in (False, True)
] + [
    pytest.param("member", relation, audience, "everyone", block, offline,
                 id=f"{relation}-boris:{audience}-{block}-{'offline' if offline else 'online'}")
    for relation in RELATIONS for audience in AUDIENCES for block in (VIEWER_BLOCKS, BORIS_BLOCKS)
    for offline in (False, True)
]  # fmt: skip


def badges(html: str, username: str) -> list[tuple[str, str | None]]:
    """Every badge of `username` in a page or poll: (status, the moment it names)."""
    found = []
    pattern = rf'<span class="presence presence-([\w-]+) [^"]*"\s+data-presence="{username}"'
    for match in re.finditer(pattern, html):
        end = html.index("</span>", html.index("</span>", match.end()) + 1)
        moment = re.search(r'datetime="([^"]+)"', html[match.end() : end])
        found.append((match.group(1), moment.group(1) if moment else None))
    return found


def online_now(html: str) -> list[str]:
    return re.findall(r'data-online-now="([^"]+)"', html)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False):
        yield


def set_up(viewer: str, relation: str | None, boris_audience: str, own_audience: str | None,
           block: str, offline: bool) -> Client:  # fmt: skip
    """Boris, really online now and with a post; the viewer's client."""
    boris = UserFactory(username="boris", first_name="Boris", last_name="Pasternak")
    PostFactory(author=boris, title="Boris writes")
    client = Client()
    if viewer == "self":
        client.force_login(boris)
        me = boris
    elif viewer == "member":
        me = UserFactory(username="alice", first_name="Alice")
        i_follow, they_follow = FOLLOWS[relation]
        if i_follow:
            social.follow(follower=me, followee=boris)
        if they_follow:
            social.follow(follower=boris, followee=me)
        if block == VIEWER_BLOCKS:
            social.block(blocker=me, blocked=boris)
        elif block == BORIS_BLOCKS:
            social.block(blocker=boris, blocked=me)
        Profile.objects.filter(user=me).update(
            presence_audience=own_audience, is_online=True, last_seen=T0
        )
        client.force_login(me)
    Profile.objects.filter(user=boris).update(
        presence_audience=boris_audience,
        is_online=True,
        last_seen=T0,
        offline_since=FROZEN if offline else None,
        offline_until=None,
    )
    return client


@pytest.mark.parametrize(("viewer", "relation", "boris_audience", "own_audience", "block",
                          "offline"), CASES)  # fmt: skip
def test_what_each_viewer_sees_of_boris(clock, viewer, relation, boris_audience, own_audience,
                                       block, offline, django_assert_max_num_queries):  # fmt: skip
    client = set_up(viewer, relation, boris_audience, own_audience, block, offline)
    sight = expected_sight(viewer, relation, boris_audience, own_audience, block)
    badge = expected_badge(sight, offline)
    blocked = block != NO_BLOCK
    # In "online now": someone the viewer follows, seen exactly, not appearing offline.
    listed = viewer == "member" and relation in (FOLLOWER, MUTUAL) and sight == "exact"
    listed = listed and not offline and not blocked

    profile = client.get("/u/boris/")
    assert profile.status_code in ((200, 404) if blocked else (200,))
    # A block shows no badge on the profile at all; otherwise exactly the one expected.
    assert badges(profile.content.decode(), "boris") == ([] if blocked else [badge])

    feed = client.get("/", {"tab": "everyone"} if viewer != "guest" else {})
    html = feed.content.decode()
    # A block hides boris's post; else its card carries the badge.
    assert badges(html, "boris") == ([] if blocked else [badge])
    assert ("boris" in online_now(html)) == listed

    with django_assert_max_num_queries(4):  # session, user, the badges, online now
        answer = client.get("/presence/", {"u": ["boris"], "online": "1"}, headers=POLL)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert badges(html, "boris") == [badge]
    assert ("boris" in online_now(html)) == listed
    if viewer == "guest":
        assert 'id="online-now"' not in html


def seen_line(html: str) -> str:
    """What the conversation's "seen" line says, on the page or in the poll's copy of it."""
    match = re.search(r'<p[^>]*(?:id="conversation-seen"|innerHTML:#conversation-seen")[^>]*>'
                      r"(.*?)</p>", html, re.S)  # fmt: skip
    assert match, html
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.mark.parametrize("offline", [False, True], ids=["online", "offline"])
@pytest.mark.parametrize("own_audience", ["everyone", "mutuals", "nobody"])
@pytest.mark.parametrize("boris_audience", AUDIENCES)
@pytest.mark.parametrize("relation", RELATIONS)
def test_what_each_member_sees_of_boris_having_seen_their_message(
    clock, relation, boris_audience, own_audience, offline
):
    """A conversation's "seen" shows only when the viewer sees boris's presence exactly and
    boris does not appear offline: on the page and in the poll."""
    client = set_up("member", relation, boris_audience, own_audience, NO_BLOCK, offline)
    alice = Profile.objects.get(user__username="alice").user
    boris = Profile.objects.get(user__username="boris").user
    first = conversations.start_conversation(starter=alice, members=[boris], text="Hi Boris")
    conversations.accept_request(user=boris, conversation=first.conversation)
    conversations.mark_read(user=boris, conversation=first.conversation, up_to=first.pk)
    sight = expected_sight("member", relation, boris_audience, own_audience, NO_BLOCK)
    seen = sight == "exact" and not offline

    page = client.get(f"/messages/{first.conversation_id}/").content.decode()
    assert seen_line(page).startswith("Seen") == seen, seen_line(page)
    params = {"u": ["boris"], "c": str(first.conversation_id), "after": str(first.pk)}
    answer = client.get("/presence/", params, headers=POLL).content.decode()
    assert seen_line(answer).startswith("Seen") == seen, seen_line(answer)


@pytest.mark.parametrize(
    ("boris_audience", "own_audience", "badge"),
    [
        ("everyone", "everyone", ("online", None)),
        ("nobody", "everyone", ("offline", None)),
        ("following", "everyone", ("offline", None)),  # boris does not follow alice
        ("everyone", "nobody", ("recently", None)),
    ],
)
def test_every_page_listing_boris_shows_the_same_badge(clock, boris_audience, own_audience,
                                                       badge):  # fmt: skip
    """His post's own page, the people he follows, search, and alice's conversations."""
    client = set_up("member", STRANGER, boris_audience, own_audience, NO_BLOCK, False)
    alice = Profile.objects.get(user__username="alice").user
    boris = Profile.objects.get(user__username="boris").user
    chloe = UserFactory(username="chloe")
    social.follow(follower=boris, followee=chloe)
    first = conversations.start_conversation(starter=alice, members=[boris], text="Hi Boris")
    conversations.accept_request(user=alice, conversation=first.conversation)
    post = Post.objects.get(author=boris)
    for page in ["/u/chloe/followers/", "/search/?q=boris", "/messages/", f"/posts/{post.pk}/"]:
        shown = badges(client.get(page).content.decode(), "boris")
        assert shown, page
        assert set(shown) == {badge}, page
