"""Presence: login/logout, activity with a throttled write, TTL, hidden status, the poll."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.conversations import services as conversations
from apps.presence import services
from apps.profiles.models import Profile
from apps.social import services as social
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
T0 = timezone.datetime(2026, 11, 25, 12, 0, tzinfo=timezone.UTC)


def poll(client, *usernames, **headers):
    return client.get("/presence/", {"u": list(usernames)}, headers=HTMX | headers)


def status(client, username: str) -> str:
    """The status a poll reports for one user: Online, Last seen or Offline."""
    html = poll(client, username).content.decode()
    assert html.count(f'data-presence="{username}"') == 1
    labels = [label for label in ("Online", "Last seen", "Offline") if label in html]
    assert len(labels) == 1, html
    return labels[0]


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


def log_in(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_logging_in_shows_online_and_logging_out_shows_last_seen(client, alice):
    with time_machine.travel(T0, tick=False):
        device = log_in("alice")
        assert status(client, "alice") == "Online"
        device.post("/accounts/logout/")
        assert status(client, "alice") == "Last seen"
        assert not Profile.objects.get(user=alice).is_online


def test_a_closed_browser_goes_offline_after_the_ttl(client, alice, settings):
    settings.PRESENCE_TTL = 120
    with time_machine.travel(T0, tick=False) as traveller:
        log_in("alice")  # and then the browser is closed: no more requests
        traveller.shift(timedelta(seconds=119))
        assert status(client, "alice") == "Online"
        traveller.shift(timedelta(seconds=2))
        html = poll(client, "alice").content.decode()
        assert "Last seen" in html
        assert 'datetime="2026-11-25T12:00:00+00:00"' in html


def profile_writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('UPDATE "profiles_profile"')]


def test_activity_keeps_a_user_online_with_at_most_one_write_a_minute(client, alice, settings):
    settings.PRESENCE_TTL = 120
    with time_machine.travel(T0, tick=False) as traveller:
        device = log_in("alice")
        with CaptureQueriesContext(connection) as queries:
            for _ in range(10):
                traveller.shift(timedelta(seconds=5))
                device.get("/u/alice/")
        assert profile_writes(queries) == []  # ten requests inside the minute: no write
        traveller.shift(timedelta(seconds=11))  # 61 s after login
        with CaptureQueriesContext(connection) as queries:
            device.get("/u/alice/")
        assert len(profile_writes(queries)) == 1
        assert Profile.objects.get(user=alice).last_seen == T0 + timedelta(seconds=61)
        traveller.shift(timedelta(seconds=100))
        assert status(client, "alice") == "Online"


def test_an_open_pages_polls_keep_it_online_writing_the_profile_once_a_minute_only(alice):
    """The poll touches from the member's own row it reads anyway: no session write to keep
    time, so a page left open writes one row a minute."""
    with time_machine.travel(T0, tick=False) as traveller:
        device = log_in("alice")
        for seconds in (30, 61, 91, 122, 152):
            traveller.shift(timedelta(seconds=seconds) - (timezone.now() - T0))
            with CaptureQueriesContext(connection) as queries:
                response = poll(device, "alice")
            writes = [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT"))]
            assert "sessionid" not in response.cookies  # the session is not saved
            assert len(writes) == (1 if seconds in (61, 122) else 0), (seconds, writes)
            assert len(profile_writes(queries)) == len(writes)
        assert Profile.objects.get(user=alice).last_seen == T0 + timedelta(seconds=122)
        assert status(Client(), "alice") == "Online"


def test_the_touch_writes_once_per_minute_whatever_the_number_of_devices(alice):
    with time_machine.travel(T0, tick=False) as traveller:
        assert services.touch(user_id=alice.pk)
        assert not services.touch(user_id=alice.pk)
        traveller.shift(timedelta(seconds=30))
        assert not services.touch(user_id=alice.pk)
        traveller.shift(timedelta(seconds=31))
        assert services.touch(user_id=alice.pk)


def test_logging_out_on_one_device_is_undone_by_the_next_poll_of_another(client, alice):
    with time_machine.travel(T0, tick=False) as traveller:
        phone, laptop = log_in("alice"), log_in("alice")
        phone.post("/accounts/logout/")
        assert status(client, "alice") == "Last seen"
        traveller.shift(timedelta(seconds=30))
        poll(laptop, "bob")  # the laptop's page polls, whatever badges it shows
        assert status(client, "alice") == "Online"


def test_a_hidden_status_shows_neither_online_nor_last_seen(client, alice):
    Profile.objects.filter(user=alice).update(
        presence_audience="nobody", is_online=True, last_seen=timezone.now()
    )
    html = poll(client, "alice").content.decode()
    assert "Online" not in html
    assert "Last seen" not in html
    assert "Offline" in html


def test_anonymous_polls_write_nothing(client, alice, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = poll(client, "alice")
    assert response.status_code == 200
    assert "session" not in response.cookies


def test_one_query_answers_a_poll_for_fifty_users(client, django_assert_num_queries):
    users = UserFactory.create_batch(50)
    Profile.objects.update(is_online=True, last_seen=timezone.now())
    with django_assert_num_queries(1):
        response = poll(client, *[u.username for u in users])
    html = response.content.decode()
    assert html.count("hx-swap-oob=") == 50
    assert html.count("Online") == 50


def test_a_logged_in_poll_costs_a_constant_number_of_queries(alice, django_assert_max_num_queries):
    device = log_in("alice")
    users = UserFactory.create_batch(30)
    with django_assert_max_num_queries(3):  # session, user, the one presence query
        poll(device, *[u.username for u in users])


def test_the_feed_pages_member_poll_costs_five_queries_with_messages_included(
    alice, django_assert_num_queries
):
    """Session, member, the badges, online now (with their number), and the bar's two counts
    (notifications and messages) in one query: what it cost before messages existed."""
    bob = UserFactory(username="bob")
    social.follow(follower=bob, followee=alice)
    conversations.start_conversation(starter=alice, members=[bob], text="Hi")
    device = log_in("bob")
    params = {"u": ["alice", "bob"], "online": "1", "bell": "1"}
    etag = device.get("/presence/", params, headers=HTMX)["ETag"]
    with django_assert_num_queries(5):
        response = device.get("/presence/", params, headers=HTMX)
    html = response.content.decode()
    assert 'id="notification-bell"' in html
    assert "data-unread-messages>1<" in html
    with django_assert_num_queries(5):
        response = device.get("/presence/", params, headers=HTMX | {"If-None-Match": etag})
    assert response.status_code == 304


def test_every_badge_is_swapped_by_username_out_of_band(client, alice):
    html = poll(client, "alice").content.decode()
    assert """hx-swap-oob="outerHTML:[data-presence='alice']\"""" in html


def test_an_unchanged_poll_is_a_304(client, alice):
    first = poll(client, "alice")
    etag = first["ETag"]
    assert etag
    assert first["Cache-Control"] == "private, no-cache"
    second = poll(client, "alice", **{"If-None-Match": etag})
    assert second.status_code == 304
    assert second.content == b""


def test_unknown_and_malformed_usernames_are_ignored(client, alice):
    response = poll(client, "alice", "nobody", "<script>", "a" * 500, "")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-presence="') == 1
    assert "script" not in html


def test_too_many_usernames_is_a_clear_400(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        response = poll(client, *[f"user{n}" for n in range(150)])
    assert response.status_code == 400
    assert b"At most 100 usernames" in response.content


def test_thousands_of_usernames_are_refused_before_any_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = poll(client, *[f"user{n}" for n in range(5000)])
    assert response.status_code == 400


def test_a_plain_get_of_the_poll_endpoint_is_a_400(client):
    response = client.get("/presence/", {"u": "alice"})
    assert response.status_code == 400


def test_the_sweep_clears_users_gone_past_the_ttl(alice, settings):
    settings.PRESENCE_TTL = 120
    bob = UserFactory(username="bob")
    Profile.objects.filter(user=alice).update(
        is_online=True, last_seen=timezone.now() - timedelta(hours=3)
    )
    Profile.objects.filter(user=bob).update(is_online=True, last_seen=timezone.now())
    call_command("presence_sweep", verbosity=0)
    assert not Profile.objects.get(user=alice).is_online
    assert Profile.objects.get(user=bob).is_online


def test_pages_poll_once_for_all_their_badges(client, alice):
    html = client.get("/u/alice/").content.decode()
    assert html.count('id="presence-poller"') == 1
    assert 'hx-trigger="every 30s, presence:refresh"' in html
    assert 'aria-live="polite"' in html


def test_an_unchanged_poll_is_answered_without_rendering(client, alice, monkeypatch):
    from apps.presence import views

    etag = poll(client, "alice")["ETag"]

    def no_rendering(*args, **kwargs):
        raise AssertionError("a 304 must not render the badges")

    monkeypatch.setattr(views, "render_to_string", no_rendering)
    assert poll(client, "alice", **{"If-None-Match": etag}).status_code == 304


def test_an_online_members_activity_keeps_the_version_but_going_offline_changes_it(client, alice):
    Profile.objects.filter(user=alice).update(is_online=True, last_seen=timezone.now())
    etag = poll(client, "alice")["ETag"]
    Profile.objects.filter(user=alice).update(last_seen=timezone.now())  # still Online
    assert poll(client, "alice", **{"If-None-Match": etag}).status_code == 304
    Profile.objects.filter(user=alice).update(is_online=False)
    changed = poll(client, "alice", **{"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Last seen" in changed.content.decode()


def test_a_last_seen_badge_names_its_moment_and_says_the_date_without_javascript(client, alice):
    Profile.objects.filter(user=alice).update(is_online=False, last_seen=T0)
    html = " ".join(poll(client, "alice").content.decode().split())
    assert (
        'Last seen <time datetime="2026-11-25T12:00:00+00:00" title="Nov. 25, 2026, noon UTC"'
        " data-relative>Nov. 25, 2026, noon UTC</time>" in html
    )


@pytest.mark.parametrize("later", [timedelta(minutes=3), timedelta(hours=5), timedelta(days=9)])
def test_a_last_seen_poll_stays_the_same_while_the_clock_moves_on(client, alice, later):
    Profile.objects.filter(user=alice).update(is_online=False, last_seen=T0)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False) as traveller:
        first = poll(client, "alice")
        traveller.shift(later)
        again = poll(client, "alice")
        assert (again["ETag"], again.content) == (first["ETag"], first.content)
        assert poll(client, "alice", **{"If-None-Match": first["ETag"]}).status_code == 304


def test_a_members_whole_poll_stays_the_same_while_the_clock_moves_on(alice):
    bob = UserFactory(username="bob")
    Profile.objects.filter(user=alice).update(is_online=False, last_seen=T0)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False) as traveller:
        device = log_in("bob")
        answers = []
        for _ in range(3):
            response = device.get(
                "/presence/",
                {"u": ["alice", "bob"], "online": "1", "bell": "1"},
                headers=HTMX | {"X-Background": "1"},  # as the page polls
            )
            answers.append((response["ETag"], response.content))
            traveller.shift(timedelta(minutes=7))  # bob's page keeps him online meanwhile
        assert answers[0] == answers[1] == answers[2]
        assert "Last seen" in answers[0][1].decode()
    assert Profile.objects.get(user=bob).is_online


@pytest.mark.parametrize(
    "change",
    [
        {"is_online": True, "last_seen": T0 + timedelta(minutes=30)},  # back online
        {"last_seen": T0 + timedelta(minutes=20)},  # online and gone again between two polls
        {"presence_audience": "nobody"},  # hidden: plain Offline
    ],
    ids=["online", "seen again", "hidden"],
)
def test_a_last_seen_polls_version_changes_with_the_status(client, alice, change):
    Profile.objects.filter(user=alice).update(is_online=False, last_seen=T0)
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        etag = poll(client, "alice")["ETag"]
        Profile.objects.filter(user=alice).update(**change)
        changed = poll(client, "alice", **{"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
