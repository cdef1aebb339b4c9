"""Appear offline for a while: one click from the avatar menu, a clear state in the bar, an end
that comes on its own (the poll takes it off the bar), and others see the member exactly as
offline, last seen when it began."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.conversations import services as conversations
from apps.presence import selectors
from apps.presence.forms import next_morning
from apps.profiles import services
from apps.profiles.models import Profile
from apps.social import services as social
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
POLL = {"HX-Request": "true", "X-Background": "1"}  # as static/js/presence.js asks
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
START = "/presence/appear-offline/"
STOP = "/presence/appear-offline/stop/"


@pytest.fixture
def boris(db):
    return UserFactory(username="boris", first_name="Boris", last_name="Pasternak")


@pytest.fixture
def chloe(db, boris):
    """chloe follows boris."""
    chloe = UserFactory(username="chloe", first_name="Chloe", last_name="Zhao")
    social.follow(follower=chloe, followee=boris)
    return chloe


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def profile(user) -> Profile:
    return Profile.objects.get(user=user)


def bar_state(html: str) -> str | None:
    """The bar's "Appearing offline" text, whitespace collapsed, or None while it is off."""
    match = re.search(r'<div id="appear-offline-state"(.*?)</div>', html, re.S)
    assert match, "the bar carries the state's place on every member's page"
    if re.search(r"\bhidden\b", match.group(1).split(">", 1)[0]):
        return None
    text = re.sub(r"<[^>]+>", " ", match.group(1).split(">", 1)[1]).replace("○", "")
    return " ".join(text.split())


def badge(html: str, username: str) -> str:
    """What a member's badge says, its dot left out."""
    match = re.search(
        rf'data-presence="{username}"[^>]*>\s*<span class="presence-dot"[^>]*>.</span>(.*?)</span>',
        html,
        re.S,
    )
    assert match, html
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def poll(client, *usernames, **params):
    return client.get("/presence/", {"u": list(usernames), "bell": "1", **params}, headers=POLL)


# --- The services -------------------------------------------------------------------------------


def test_appearing_offline_freezes_the_moment_it_began_and_sets_its_end(boris):
    with time_machine.travel(T0, tick=False):
        services.appear_offline(user=boris, until=T0 + timedelta(hours=1))
    assert (profile(boris).offline_since, profile(boris).offline_until) == (
        T0,
        T0 + timedelta(hours=1),
    )


def test_choosing_again_while_it_lasts_moves_only_its_end(boris):
    with time_machine.travel(T0, tick=False) as traveller:
        services.appear_offline(user=boris, until=T0 + timedelta(hours=1))
        traveller.shift(timedelta(minutes=30))
        services.appear_offline(user=boris, until=None)
    assert (profile(boris).offline_since, profile(boris).offline_until) == (T0, None)


def test_choosing_after_it_ended_starts_afresh(boris):
    with time_machine.travel(T0, tick=False) as traveller:
        services.appear_offline(user=boris, until=T0 + timedelta(hours=1))
        traveller.shift(timedelta(hours=2))
        services.appear_offline(user=boris, until=T0 + timedelta(hours=3))
    assert profile(boris).offline_since == T0 + timedelta(hours=2)


def test_an_end_in_the_past_is_refused_and_changes_nothing(boris):
    with time_machine.travel(T0, tick=False), pytest.raises(ValueError, match="end in the future"):
        services.appear_offline(user=boris, until=T0 - timedelta(minutes=1))
    assert profile(boris).offline_since is None


def test_stopping_ends_the_period_now_and_says_whether_it_was_on(boris):
    with time_machine.travel(T0, tick=False) as traveller:
        services.appear_offline(user=boris, until=None)
        traveller.shift(timedelta(minutes=5))
        assert services.stop_appearing_offline(user=boris) is True
    stopped = profile(boris)
    # Kept, ended: what he did meanwhile stays unseen; turning it off is activity of its own.
    assert (stopped.offline_since, stopped.offline_until) == (T0, T0 + timedelta(minutes=5))
    assert stopped.last_seen == T0 + timedelta(minutes=5)
    assert services.stop_appearing_offline(user=boris) is False


@pytest.mark.parametrize(
    ("now", "zone", "morning"),
    [
        (datetime(2026, 11, 25, 20, 0, tzinfo=UTC), "Europe/Moscow",
         datetime(2026, 11, 26, 5, 0, tzinfo=UTC)),  # 23:00 in Moscow: 08:00 tomorrow there
        (datetime(2026, 11, 25, 2, 0, tzinfo=UTC), "Europe/Moscow",
         datetime(2026, 11, 25, 5, 0, tzinfo=UTC)),  # 05:00 in Moscow: 08:00 the same day
        (datetime(2026, 11, 25, 12, 0, tzinfo=UTC), "America/New_York",
         datetime(2026, 11, 25, 13, 0, tzinfo=UTC)),  # 07:00 in New York: in an hour
        (datetime(2026, 3, 7, 20, 0, tzinfo=UTC), "America/New_York",
         datetime(2026, 3, 8, 12, 0, tzinfo=UTC)),  # the night clocks go forward (EDT: UTC-4)
    ],
    ids=["evening", "before dawn", "morning", "daylight saving"],
)  # fmt: skip
def test_until_tomorrow_ends_at_the_next_eight_oclock_on_the_members_clock(now, zone, morning):
    assert next_morning(now, ZoneInfo(zone)) == morning


# --- The views -----------------------------------------------------------------------------------


def test_one_click_from_the_avatar_menu_appears_offline_for_an_hour(boris):
    client = signed_in(boris)
    with time_machine.travel(T0, tick=False):
        response = client.post(START, {"until": "hour", "time_zone": "Europe/Moscow"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Appearing offline until" in bar_state(html)
    assert 'datetime="2026-11-25T13:00:00+00:00"' in html
    assert re.search(
        r'<div id="presence-announcer" hx-swap-oob="innerHTML">You now appear offline', html
    )
    assert profile(boris).offline_until == T0 + timedelta(hours=1)


def test_until_tomorrow_uses_the_time_zone_the_browser_sent(boris):
    with time_machine.travel(T0, tick=False):  # 15:00 in Moscow
        signed_in(boris).post(START, {"until": "tomorrow", "time_zone": "Europe/Moscow"})
    assert profile(boris).offline_until == datetime(2026, 11, 26, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize("zone", ["", "Mars/Olympus", "../../etc/passwd", "x" * 500])
def test_until_tomorrow_without_a_known_time_zone_ends_at_eight_utc(boris, zone):
    with time_machine.travel(T0, tick=False):
        response = signed_in(boris).post(START, {"until": "tomorrow", "time_zone": zone})
    assert response.status_code == 302
    assert profile(boris).offline_until == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def test_until_i_turn_it_off_has_no_end_and_says_so_in_the_bar(boris):
    client = signed_in(boris)
    client.post(START, {"until": "off"}, headers=HTMX)
    assert profile(boris).offline_since is not None
    assert profile(boris).offline_until is None
    html = client.get("/").content.decode()
    assert bar_state(html) == "Appearing offline until you turn it off Turn off"


@pytest.mark.parametrize("zone", ["Europe/Moscow\x00", "\x00", "../../etc/passwd", "x" * 5000])
def test_any_time_zone_sent_falls_back_and_never_fails(boris, zone):
    client = signed_in(boris)
    response = client.post(START, {"until": "tomorrow", "time_zone": zone}, headers=HTMX)
    assert response.status_code == 200
    assert selectors.own_appearance(profile(boris)).offline
    assert client.post(START, {"until": "hour", "time_zone": zone}).status_code == 302


@pytest.mark.parametrize("sent", [{}, {"until": "forever"}, {"until": ""}, {"until": "<b>"}])
def test_an_unknown_choice_says_so_and_changes_nothing(boris, sent):
    client = signed_in(boris)
    response = client.post(START, sent, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"
    assert "Choose how long to appear offline. Nothing was changed." in response.content.decode()
    assert profile(boris).offline_since is None


def test_without_javascript_an_unknown_choice_goes_back_with_the_message(boris):
    client = signed_in(boris)
    response = client.post(START, {"until": "forever", "next": "/u/boris/"}, follow=True)
    assert response.redirect_chain == [("/u/boris/", 302)]
    assert "Choose how long to appear offline" in response.content.decode()
    assert profile(boris).offline_since is None


def test_without_javascript_the_member_goes_back_to_the_page_with_a_flash_message(boris):
    client = signed_in(boris)
    response = client.post(START, {"until": "hour", "next": "/u/boris/"}, follow=True)
    assert response.redirect_chain == [("/u/boris/", 302)]
    html = response.content.decode()
    assert "You now appear offline" in html
    assert "Appearing offline until" in bar_state(html)
    response = client.post(STOP, {"next": "/u/boris/"}, follow=True)
    assert "You no longer appear offline" in response.content.decode()
    assert bar_state(response.content.decode()) is None


@pytest.mark.parametrize("where", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_a_foreign_next_is_not_followed(boris, where):
    response = signed_in(boris).post(START, {"until": "hour", "next": where})
    assert response["Location"] == "/"


def test_turning_it_off_shows_the_member_as_they_are_and_says_so(boris):
    client = signed_in(boris)
    client.post(START, {"until": "off"}, headers=HTMX)
    response = client.post(STOP, headers=HTMX)
    html = response.content.decode()
    assert bar_state(html) is None
    assert re.search(r'id="presence-announcer" hx-swap-oob="innerHTML">You no longer appear', html)
    assert not selectors.own_appearance(profile(boris)).offline


def test_both_are_post_only(boris):
    client = signed_in(boris)
    assert client.get(START).status_code == 405
    assert client.get(STOP).status_code == 405


def test_both_need_the_csrf_token_of_a_real_form(boris):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(boris)
    assert strict.post(START, {"until": "hour"}).status_code == 403
    assert profile(boris).offline_since is None
    page = strict.get("/").content.decode()
    menu = page[page.index('action="/presence/appear-offline/"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', menu).group(1)
    assert strict.post(START, {"until": "hour", "csrfmiddlewaretoken": token}).status_code == 302
    assert profile(boris).offline_since is not None
    # As htmx sends it: the header the page's <body hx-headers> carries.
    header = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    assert strict.post(STOP, headers=HTMX | {"X-CSRFToken": header}).status_code == 200
    assert not selectors.own_appearance(profile(boris)).offline


def test_a_guest_is_sent_to_log_in_and_nothing_changes(client, boris):
    response = client.post(START, {"until": "hour"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    response = client.post(START, {"until": "hour"}, headers=HTMX)
    assert response["HX-Redirect"].startswith("/accounts/login/")
    assert client.post(STOP).status_code == 302
    assert not Profile.objects.exclude(offline_since=None).exists()


def test_appearing_offline_too_often_is_refused_and_changes_nothing(boris, settings, rate_window):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "appear_offline": "2/m/user"}
    client = signed_in(boris)
    client.post(START, {"until": "hour"}, headers=HTMX)
    client.post(STOP, headers=HTMX)
    response = client.post(START, {"until": "off"}, headers=HTMX)
    assert "too often" in response.content.decode()
    assert not selectors.own_appearance(profile(boris)).offline
    assert signed_in(boris).post(START, {"until": "off"}).status_code == 429


# --- The bar ------------------------------------------------------------------------------------


def test_the_bar_shows_nothing_while_the_member_appears_as_they_are(boris):
    assert bar_state(signed_in(boris).get("/").content.decode()) is None


def test_the_avatar_menu_offers_the_three_choices_in_one_form(boris):
    html = signed_in(boris).get("/u/boris/").content.decode()
    form = html[html.index('action="/presence/appear-offline/"') :]
    form = form[: form.index("</form>")]
    assert 'aria-labelledby="appear-offline-heading"' in form
    assert re.findall(r'name="until" value="(\w+)"', form) == ["hour", "tomorrow", "off"]
    assert 'name="time_zone"' in form
    assert 'name="next" value="/u/boris/"' in form


def test_every_page_shows_the_state_with_a_turn_off_button(boris):
    client = signed_in(boris)
    services.appear_offline(user=boris, until=datetime(2030, 1, 1, 15, 30, tzinfo=UTC))
    for path in ["/", "/u/boris/", "/settings/profile/", "/notifications/", "/messages/"]:
        html = client.get(path).content.decode()
        state = bar_state(html)
        assert state.startswith("Appearing offline until"), path
        assert state.endswith("Turn off"), path
        assert '<time datetime="2030-01-01T15:30:00+00:00"' in html
        assert 'action="/presence/appear-offline/stop/"' in html


def test_the_bar_state_costs_the_page_no_query(boris):
    client = signed_in(boris)
    client.get("/")  # the first visit's one-off writes (presence touch, session)
    with CaptureQueriesContext(connection) as before:
        client.get("/u/boris/")
    services.appear_offline(user=boris, until=None)
    with CaptureQueriesContext(connection) as during:
        html = client.get("/u/boris/").content.decode()
    assert bar_state(html) is not None
    assert len(during) == len(before)


# --- The poll: it ends on its own ----------------------------------------------------------------


def test_the_poll_carries_the_state_without_a_query_of_its_own(
    boris, chloe, django_assert_max_num_queries
):
    client = signed_in(boris)
    services.appear_offline(user=boris, until=None)
    poll(client, "chloe")  # the first poll's touch
    with django_assert_max_num_queries(4):  # session, member, the badges, the bar's counts
        html = poll(client, "chloe").content.decode()
    assert bar_state(html) == "Appearing offline until you turn it off Turn off"
    assert 'id="appear-offline-state"' in html
    assert 'hx-swap-oob="true"' in html
    assert "csrfmiddlewaretoken" not in html  # htmx sends the header


def test_the_poll_takes_it_off_the_bar_when_it_ends_on_its_own(boris):
    with time_machine.travel(T0, tick=False) as traveller:
        client = signed_in(boris)
        services.appear_offline(user=boris, until=T0 + timedelta(hours=1))
        first = poll(client, "boris")
        assert "Appearing offline until" in bar_state(first.content.decode())
        traveller.shift(timedelta(minutes=30))
        assert poll(client, "boris").status_code == 200
        same = client.get(
            "/presence/",
            {"u": ["boris"], "bell": "1"},
            headers=POLL | {"If-None-Match": first["ETag"]},
        )
        assert same.status_code == 304  # nothing changed meanwhile
        traveller.shift(timedelta(minutes=31))
        ended = client.get(
            "/presence/",
            {"u": ["boris"], "bell": "1"},
            headers=POLL | {"If-None-Match": first["ETag"]},
        )
    assert ended.status_code == 200
    assert ended["ETag"] != first["ETag"]
    html = ended.content.decode()
    assert bar_state(html) is None
    assert 'data-said="You no longer appear offline' in html


def test_turning_it_on_elsewhere_changes_the_polls_version(boris):
    client = signed_in(boris)
    etag = poll(client, "boris")["ETag"]
    services.appear_offline(user=boris, until=None)
    response = client.get(
        "/presence/", {"u": ["boris"], "bell": "1"}, headers=POLL | {"If-None-Match": etag}
    )
    assert response.status_code == 200
    assert bar_state(response.content.decode()) is not None


def test_a_guests_poll_carries_no_bar_state(client, boris):
    assert 'id="appear-offline-state"' not in poll(client, "boris").content.decode()


# --- What others see ----------------------------------------------------------------------------


def test_others_see_the_member_offline_last_seen_when_it_began_while_he_keeps_going(boris, chloe):
    with time_machine.travel(T0, tick=False) as traveller:
        boris_client, chloe_client = signed_in(boris), signed_in(chloe)
        poll(boris_client, "chloe")  # boris's page keeps him online
        assert badge(poll(chloe_client, "boris").content.decode(), "boris") == "Online"
        boris_client.post(START, {"until": "hour"}, headers=HTMX)
        traveller.shift(timedelta(minutes=20))
        poll(boris_client, "chloe")  # he is still here, and active
        assert boris_client.get("/").status_code == 200
        assert profile(boris).is_online
        assert profile(boris).last_seen == T0 + timedelta(minutes=20)
        html = poll(chloe_client, "boris").content.decode()
        assert badge(html, "boris") == "Last seen Nov. 25, 2026, noon UTC"
        assert 'datetime="2026-11-25T12:00:00+00:00"' in html
        page = chloe_client.get("/u/boris/").content.decode()
        assert badge(page, "boris") == "Last seen Nov. 25, 2026, noon UTC"
        # A guest too: exactly as offline.
        assert badge(poll(Client(), "boris").content.decode(), "boris").startswith("Last seen")
        traveller.shift(timedelta(minutes=41))  # it ended on its own
        poll(boris_client, "chloe")
        assert badge(poll(chloe_client, "boris").content.decode(), "boris") == "Online"


def test_the_member_sees_himself_as_others_do_while_he_appears_offline(boris):
    with time_machine.travel(T0, tick=False):
        client = signed_in(boris)
        poll(client, "boris")
        client.post(START, {"until": "off"}, headers=HTMX)
        assert badge(poll(client, "boris").content.decode(), "boris").startswith("Last seen")


def test_online_now_leaves_out_a_member_who_appears_offline(boris, chloe):
    boris_client, chloe_client = signed_in(boris), signed_in(chloe)
    poll(boris_client, "chloe")
    assert "Boris Pasternak" in poll(chloe_client, "boris", online="1").content.decode()
    boris_client.post(START, {"until": "hour"}, headers=HTMX)
    html = poll(chloe_client, "boris", online="1").content.decode()
    online_now = html[html.index('id="online-now"') :]
    assert "Boris Pasternak" not in online_now
    boris_client.post(STOP, headers=HTMX)
    assert "Boris Pasternak" in poll(chloe_client, "boris", online="1").content.decode()


def test_a_conversation_shows_no_seen_while_its_reader_appears_offline(boris, chloe):
    social.follow(follower=boris, followee=chloe)
    sent = conversations.start_conversation(starter=chloe, members=[boris], text="Hi Boris")
    conversation = sent.conversation
    boris_client, chloe_client = signed_in(boris), signed_in(chloe)
    boris_client.post(START, {"until": "hour"}, headers=HTMX)
    params = {"u": ["boris"], "bell": "1", "c": str(conversation.pk), "after": "0"}
    boris_client.get("/presence/", params, headers=POLL)  # his page reads it
    params["after"] = str(sent.pk)
    html = chloe_client.get("/presence/", params, headers=POLL).content.decode()
    seen = re.search(r'<p hx-swap-oob="innerHTML:#conversation-seen">(.*?)</p>', html, re.S)
    assert seen.group(1).strip() == ""
    boris_client.post(STOP, headers=HTMX)
    html = chloe_client.get("/presence/", params, headers=POLL).content.decode()
    seen = re.search(r'<p hx-swap-oob="innerHTML:#conversation-seen">(.*?)</p>', html, re.S)
    assert seen.group(1).strip() == ""  # read while he appeared offline: never shown
    again = conversations.send_message(sender=chloe, conversation=conversation, text="Still?")
    params["after"] = str(sent.pk)
    boris_client.get("/presence/", params, headers=POLL)  # he reads it, as he is
    params["after"] = str(again.pk)
    html = chloe_client.get("/presence/", params, headers=POLL).content.decode()
    seen = re.search(r'<p hx-swap-oob="innerHTML:#conversation-seen">(.*?)</p>', html, re.S)
    assert "Seen" in seen.group(1)


def test_once_it_ends_nothing_he_did_meanwhile_shows(boris, chloe):
    social.follow(follower=boris, followee=chloe)
    sent = conversations.start_conversation(starter=chloe, members=[boris], text="Hi Boris")
    params = {"u": ["boris"], "bell": "1", "c": str(sent.conversation.pk), "after": "0"}
    with time_machine.travel(T0, tick=False) as traveller:
        boris_client, chloe_client = signed_in(boris), signed_in(chloe)
        boris_client.post(START, {"until": "hour"}, headers=HTMX)
        traveller.shift(timedelta(minutes=40))
        boris_client.get("/presence/", params, headers=POLL)  # active, and reads, then leaves
        assert profile(boris).last_seen == T0 + timedelta(minutes=40)
        traveller.shift(timedelta(hours=3))  # it ended on its own long ago
        params["after"] = str(sent.pk)
        html = chloe_client.get("/presence/", params, headers=POLL).content.decode()
        assert badge(html, "boris") == "Last seen Nov. 25, 2026, noon UTC"
        seen = re.search(r'<p hx-swap-oob="innerHTML:#conversation-seen">(.*?)</p>', html, re.S)
        assert seen.group(1).strip() == ""
        page = chloe_client.get(f"/messages/{sent.conversation.pk}/").content.decode()
        assert "12:40" not in page
        assert "Seen" not in page.split('id="conversation-seen"')[1][:300]
        assert badge(chloe_client.get("/u/boris/").content.decode(), "boris").endswith("noon UTC")
        boris_client.get("/presence/", {"u": ["chloe"]}, headers=POLL)  # back, as he is
        assert badge(poll(chloe_client, "boris").content.decode(), "boris") == "Online"


def test_the_site_itself_still_counts_him_online_so_pushes_wait_for_the_bell(boris):
    """Appearing offline is what others see: he is really here, and the bell shows what a push
    would say (apps/push/delivery.py holds pushes while online_on_any_device)."""
    with time_machine.travel(T0, tick=False):
        poll(signed_in(boris), "boris")
        services.appear_offline(user=boris, until=None)
        assert selectors.online_on_any_device(boris.pk) is True
