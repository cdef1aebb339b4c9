"""Web Push as a member meets it: a notification reaches their browser only while they are
away, after a short delay, once, grouped, in their language, never in quiet hours or for
what they switched off; and whatever one push service does, the others' members still get
theirs. Every message goes through the push service stand-in (tests/pushservice.py), which
checks it as a push service does and decrypts it as the browser would."""

import datetime as dt
import json
import time
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, get_user_model
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from apps.presence.tasks import sweep_presence
from apps.profiles.models import Profile
from apps.push import delivery, keys
from apps.push.models import Message, MutedKind, Preferences, Subscription
from apps.push.tasks import consider_push, send_overdue_pushes, send_pushes
from apps.social import services as social
from tests.factories import PostFactory, UserFactory
from tests.pushservice import b64url, raw_public_key
from tests.servers import HeldPort

from .conftest import live_session, log_in, run_tasks, subscribe

# The worker runs in the test, as in production: it commits and may close its connection.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("server_key")]


def like(client, user, post, capture) -> None:
    """`user` likes `post` through the page's Like button."""
    client.force_login(user)
    with capture(execute=True):
        assert client.post(f"/posts/{post.pk}/like/", {"liked": "1"}).status_code == 302


@pytest.fixture
def liked_by(client, post, django_capture_on_commit_callbacks):
    def liked_by(user, on=post):
        like(client, user, on, django_capture_on_commit_callbacks)

    return liked_by


def test_a_like_while_the_member_is_away_is_pushed_once_after_the_delay(
    service, server_key, clock, member, bob, post, liked_by
):
    browser = subscribe(service, member, server_key)

    liked_by(bob)
    run_tasks()
    assert service.delivered() == []  # not before the delay
    clock.shift(61)
    run_tasks()
    run_tasks()

    [message] = service.delivered(browser)
    assert message.payload == {
        "title": "Eternity",
        "body": "Bob B liked your post\n“Sunset over the bay”",
        "url": f"/posts/{post.pk}/",
        "tag": "notifications",
        "badge": 1,
    }
    assert message.headers["urgency"] == "normal"
    assert message.headers["topic"] == "notifications"
    assert int(message.headers["ttl"]) > 0
    assert message.claims["sub"] == "mailto:push@example.com"
    assert Subscription.objects.get().last_success is not None


def test_a_russian_member_is_pushed_in_russian(
    service, server_key, clock, member, bob, post, liked_by
):
    get_user_model().objects.filter(pk=member.pk).update(language="ru")
    browser = subscribe(service, member, server_key)

    liked_by(bob)
    clock.shift(61)
    run_tasks()

    [message] = service.delivered(browser)
    assert message.payload["body"] == "Bob B оценил(а) вашу запись\n«Sunset over the bay»"
    assert message.payload["title"] == "Eternity"


def test_a_like_while_the_member_is_online_is_not_pushed_until_they_log_out(
    client, service, server_key, clock, member, bob, post, liked_by,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    browser = subscribe(service, member, server_key)
    members_tab = Client()
    members_tab.force_login(member)  # online: the bell shows it

    liked_by(bob)
    clock.shift(61)
    run_tasks()
    assert service.delivered() == []

    with django_capture_on_commit_callbacks(execute=True):
        members_tab.post("/accounts/logout/")
    run_tasks()
    assert service.delivered() == []  # the delay again
    clock.shift(61)
    run_tasks()

    [message] = service.delivered(browser)
    assert message.payload["body"].startswith("Bob B liked your post")


def test_a_member_who_hides_their_status_is_still_online_for_push(
    service, server_key, clock, member, bob, post, liked_by
):
    subscribe(service, member, server_key)
    Profile.objects.filter(user=member).update(presence_audience="nobody")
    Client().force_login(member)

    liked_by(bob)
    clock.shift(61)
    run_tasks()

    assert service.delivered() == []


def test_a_member_whose_page_closed_is_pushed_once_the_sweep_finds_them_gone(
    service, server_key, clock, member, bob, post, liked_by,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    browser = subscribe(service, member, server_key)
    Client().force_login(member)
    liked_by(bob)
    clock.shift(61)
    run_tasks()
    assert service.delivered() == []

    clock.shift(120)  # the browser closed: no poll since
    with django_capture_on_commit_callbacks(execute=True):
        sweep_presence.call()
    clock.shift(61)
    run_tasks()

    assert len(service.delivered(browser)) == 1


def test_a_read_notification_is_not_pushed(
    client, service, server_key, clock, member, bob, post, liked_by
):
    subscribe(service, member, server_key)
    liked_by(bob)
    social.mark_all_read(user=member)
    clock.shift(61)
    run_tasks()

    assert service.delivered() == []


def test_a_burst_of_likes_is_one_push_in_the_bells_words(
    service, server_key, clock, member, post, liked_by
):
    browser = subscribe(service, member, server_key)
    for name in ("bea", "carl", "dana", "erin"):
        liked_by(UserFactory(username=name, first_name=name.title(), last_name="X"))
    clock.shift(61)
    run_tasks()

    [message] = service.delivered(browser)
    assert message.payload["body"].startswith("Erin X, Dana X and 2 others liked your post")
    assert message.payload["badge"] == 1


def test_several_lines_are_one_push_that_counts_the_others(
    service, server_key, clock, member, bob, post, liked_by, django_capture_on_commit_callbacks
):
    browser = subscribe(service, member, server_key)
    liked_by(bob, on=PostFactory(author=member, title="Morning"))
    with django_capture_on_commit_callbacks(execute=True):
        social.follow(follower=bob, followee=member)
    clock.shift(61)
    run_tasks()

    [message] = service.delivered(browser)
    assert message.payload["body"] == "Bob B followed you\nand 1 more notification"
    assert message.payload["url"] == "/notifications/"
    assert message.payload["badge"] == 2


def test_pushes_to_one_member_are_at_least_the_minimum_interval_apart(
    service, server_key, clock, member, bob, post, liked_by
):
    browser = subscribe(service, member, server_key)
    liked_by(bob)
    clock.shift(61)
    run_tasks()
    assert len(service.delivered(browser)) == 1

    liked_by(bob, on=PostFactory(author=member, title="Second"))
    clock.shift(61)  # 61 s after the first push: too soon
    run_tasks()
    assert len(service.delivered(browser)) == 1

    clock.shift(60)
    run_tasks()
    pushes = service.delivered(browser)
    assert len(pushes) == 2
    assert pushes[1].payload["body"] == "Bob B liked your post\n“Second”"
    assert pushes[1].received_at - pushes[0].received_at >= 120


def test_quiet_hours_hold_a_push_until_they_end_in_the_members_time_zone(
    service, server_key, clock, member, bob, post, liked_by
):
    moscow = ZoneInfo("Europe/Moscow")
    clock.move_to(dt.datetime(2026, 12, 6, 23, 30, tzinfo=moscow))
    Preferences.objects.create(user=member, quiet_from=dt.time(22), quiet_until=dt.time(7),
                               time_zone="Europe/Moscow")  # fmt: skip
    browser = subscribe(service, member, server_key)

    liked_by(bob)
    clock.shift(61)
    run_tasks()
    assert service.delivered() == []

    clock.move_to(dt.datetime(2026, 12, 7, 6, 59, tzinfo=moscow))
    run_tasks()
    assert service.delivered() == []
    clock.move_to(dt.datetime(2026, 12, 7, 7, 0, 1, tzinfo=moscow))
    run_tasks()
    assert len(service.delivered(browser)) == 1


def test_a_kind_switched_off_for_push_is_not_pushed(
    service, server_key, clock, member, bob, post, liked_by
):
    subscribe(service, member, server_key)
    MutedKind.objects.create(user=member, kind="like")

    liked_by(bob)
    clock.shift(61)
    run_tasks()

    assert service.delivered() == []
    assert social.selectors.unread_count(member) == 1  # the bell still shows it


def test_nothing_is_pushed_of_a_member_blocked_before_the_push(
    service, server_key, clock, member, bob, post, liked_by
):
    subscribe(service, member, server_key)
    liked_by(bob)
    social.block(blocker=member, blocked=bob)
    clock.shift(61)
    run_tasks()

    assert service.delivered() == []


@pytest.mark.parametrize("status", [410, 404, 400, 403])
def test_a_browser_the_push_service_no_longer_knows_is_forgotten_at_once(
    status, service, server_key, clock, member, bob, post, liked_by
):
    browser = subscribe(service, member, server_key)
    service.answer(browser, status)

    liked_by(bob)
    clock.shift(61)
    run_tasks()

    assert len(service.received(browser)) == 1
    assert not Subscription.objects.exists()
    assert not Message.objects.exists()


def test_a_browser_whose_session_ended_without_signing_out_is_not_pushed(
    service, server_key, clock, member, bob, post, liked_by
):
    """Left signed in at a shared computer, the member changed their password at home: that
    computer is signed out, and its next user must not read the member's notifications."""
    left_behind = subscribe(service, member, server_key)
    at_home = subscribe(service, member, server_key)
    kept = Subscription.objects.get(endpoint=at_home["endpoint"])
    member.set_password("a-new-password-at-home")
    member.save()
    session = import_module(settings.SESSION_ENGINE).SessionStore(kept.session_key)
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()  # the home browser stays in
    session.save()

    liked_by(bob)
    clock.shift(61)
    run_tasks()

    assert service.received(left_behind) == []
    assert len(service.delivered(at_home)) == 1
    assert list(Subscription.objects.values_list("pk", flat=True)) == [kept.pk]


def test_a_sent_message_keeps_no_text_and_finished_ones_are_deleted_later(
    service, server_key, clock, member, bob, post, liked_by
):
    subscribe(service, member, server_key)
    liked_by(bob)
    clock.shift(61)
    run_tasks()

    message = Message.objects.get()
    assert (message.state, message.payload) == (Message.State.SENT, {})
    assert delivery.forget_finished_messages() == 0
    assert delivery.forget_finished_messages(now=timezone.now() + dt.timedelta(days=3)) == 1
    assert not Message.objects.exists()


def test_a_push_service_error_is_retried_and_the_message_delivered_exactly_once(
    service, server_key, clock, member, bob, post, liked_by
):
    browser = subscribe(service, member, server_key)
    service.answer(browser, [500])

    liked_by(bob)
    clock.shift(61)
    run_tasks()
    assert [r.status for r in service.received(browser)] == [500]
    message = Message.objects.get()
    assert (message.state, message.attempts) == ("pending", 1)

    clock.shift(31)
    run_tasks()
    clock.shift(600)
    run_tasks()
    send_pushes.call(message_ids=[message.pk])  # a task that ran again after a crash

    assert [r.status for r in service.received(browser)] == [500, 201]
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("sent", 2)


def test_a_message_whose_task_was_lost_is_sent_once_by_the_sweep(
    service, server_key, clock, member, bob, post, liked_by
):
    browser = subscribe(service, member, server_key)
    liked_by(bob)
    clock.shift(61)
    consider_push.call(user_id=member.pk)  # decided, and its send task lost
    DBTaskResult.objects.all().delete()
    send_overdue_pushes.call()
    assert service.delivered() == []  # not overdue yet: a send task may still take it

    clock.shift(61)
    send_overdue_pushes.call()
    send_overdue_pushes.call()

    assert len(service.delivered(browser)) == 1


def test_a_message_another_worker_is_sending_is_not_sent_again(
    service, server_key, clock, member, bob, post, liked_by
):
    browser = subscribe(service, member, server_key)
    service.slow(browser, 0.5)
    liked_by(bob)
    clock.shift(61)
    consider_push.call(user_id=member.pk)
    message = Message.objects.get()
    # A worker claims it and sends; another run of the task meanwhile finds it taken.
    claimed = delivery._claim(message.pk, timezone.now())
    assert claimed is not None
    send_pushes.call(message_ids=[message.pk])
    assert service.received(browser) == []


def test_a_failing_push_service_does_not_hold_back_another_members_push(
    service, server_key, clock, member, bob, post, liked_by
):

    failing = subscribe(service, member, server_key)
    service.answer(failing, 500)
    down = HeldPort()  # a push service that refuses connections
    Subscription.objects.create(
        user=member, endpoint=f"http://127.0.0.1:{down.port}/push/x",
        p256dh=failing["keys"]["p256dh"], auth=failing["keys"]["auth"],
        session_key=live_session(member),
    )  # fmt: skip
    other = UserFactory(username="olga", first_name="Olga", last_name="O")
    working = subscribe(service, other, server_key)

    liked_by(bob)
    liked_by(bob, on=PostFactory(author=other, title="Hers"))
    clock.shift(61)
    run_tasks()
    for _ in range(3):
        clock.shift(30 * 16 + 1)
        run_tasks()
    down.release()

    assert len(service.delivered(working)) == 1
    assert [r.status for r in service.received(failing)] == [500, 500, 500]
    states = sorted(
        Message.objects.filter(subscription__user=member).values_list("state", "attempts")
    )
    assert states == [("failed", 3), ("failed", 3)]


def test_a_hung_push_service_is_given_up_on_after_the_timeout_and_tried_again(
    service, server_key, clock, member, bob, post, liked_by
):
    slow = subscribe(service, member, server_key)
    service.slow(slow, 5)
    other = UserFactory(username="olga", first_name="Olga", last_name="O")
    working = subscribe(service, other, server_key)
    liked_by(bob)
    liked_by(bob, on=PostFactory(author=other, title="Hers"))
    clock.shift(61)

    started = time.monotonic()
    run_tasks()

    assert time.monotonic() - started < 4  # the timeout is 1 s
    assert len(service.delivered(working)) == 1
    message = Message.objects.get(subscription__user=member)
    assert (message.state, message.attempts) == ("pending", 1)
    service.slow(slow, 0)
    clock.shift(31)
    run_tasks()
    assert len(service.delivered(slow)) == 1


@pytest.mark.parametrize("size", [1, 12])
def test_the_look_at_a_members_notifications_takes_the_same_queries_for_many(
    size, service, server_key, clock, member, post, liked_by, django_assert_max_num_queries
):
    for _ in range(size):
        subscribe(service, member, server_key)
    for number in range(size):
        actor = UserFactory()
        liked_by(actor, on=PostFactory(author=member) if number % 2 else post)
        social.follow(follower=actor, followee=member)
    clock.shift(61)

    # The targets' content types are read once per registered model (then cached).
    with django_assert_max_num_queries(27):
        considered = delivery.consider(user_id=member.pk)

    assert len(considered.messages) == size


@pytest.mark.parametrize("form", ["pem", "hex"])
def test_the_vapid_key_may_be_given_as_pem_or_hex(
    form, settings, service, clock, member, bob, post, liked_by
):
    key = ec.generate_private_key(ec.SECP256R1())
    if form == "pem":
        settings.VAPID_PRIVATE_KEY = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
    else:
        settings.VAPID_PRIVATE_KEY = f"{key.private_numbers().private_value:064x}"
    browser = subscribe(service, member, b64url(raw_public_key(key)))

    liked_by(bob)
    clock.shift(61)
    run_tasks()

    assert len(service.delivered(browser)) == 1


def test_a_like_taken_back_before_the_delay_is_not_pushed(
    client, service, server_key, clock, member, bob, post, liked_by,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    subscribe(service, member, server_key)
    liked_by(bob)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/posts/{post.pk}/like/", {"liked": "0"})
    clock.shift(61)
    run_tasks()

    assert service.delivered() == []


def test_nothing_is_asked_of_the_worker_for_a_member_without_a_browser(
    service, server_key, clock, member, bob, post, liked_by
):
    liked_by(bob)

    assert not DBTaskResult.objects.filter(task_path__startswith="apps.push").exists()


def test_a_browser_that_turned_push_on_in_the_settings_gets_the_like_once_closed(
    settings, service, clock, member, bob, post, liked_by
):
    settings.PUSH_ALLOW_HTTP_ENDPOINTS = True  # the stand-in speaks plain http
    phone = log_in(member.username)
    browser = service.subscription(server_key=keys.public_key())
    answer = phone.post("/settings/notifications/push/subscribe/", json.dumps(browser),
                        content_type="application/json")  # fmt: skip
    assert answer.json()["ok"]

    clock.shift(121)  # the page closed: no poll since, past the presence TTL
    liked_by(bob)
    clock.shift(61)
    run_tasks()

    [message] = service.delivered(browser)
    assert message.payload["body"] == "Bob B liked your post\n“Sunset over the bay”"
