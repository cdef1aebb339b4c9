"""The notification digest: off by default, at most one mail a day, only with news, in the
member's language, sent by the worker's periodic job."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.core.jobs import periodic
from apps.feed import services as feed
from apps.social import services
from apps.social.models import Digest
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def like(post):
    feed.set_like(user=UserFactory(first_name="Bob", last_name="B"), post=post, liked=True)


def test_nobody_gets_a_digest_unless_they_ask(alice):
    like(PostFactory(author=alice))
    assert services.send_digests() == 0
    assert mail.outbox == []


def test_a_member_who_asked_gets_their_unread_notifications(client, alice, settings):
    settings.SITE_URL = "https://eternity.example.com"
    client.force_login(alice)
    response = client.post("/settings/notifications/", {"kinds": ["like"], "digest": "on"})
    assert response.status_code == 302
    like(PostFactory(author=alice, title="Spring <b>notes</b>"))
    assert services.send_digests() == 1
    [message] = mail.outbox
    assert message.to == [alice.email]
    assert message.subject == "1 unread notification on Eternity"
    assert "- Bob B liked your post “Spring <b>notes</b>”" in message.body
    assert "See them all: https://eternity.example.com/notifications/" in message.body


def test_the_digest_speaks_the_language_the_member_used(client, alice):
    client.force_login(alice)
    client.post(
        "/settings/notifications/",
        {"kinds": ["like"], "digest": "on"},
        headers={"Accept-Language": "ru"},
    )
    like(PostFactory(author=alice))
    services.send_digests()
    assert mail.outbox[0].subject == "1 непрочитанное уведомление на Eternity"
    assert "Здравствуйте, Alice A!" in mail.outbox[0].body
    assert "Bob B оценил(а) вашу запись" in mail.outbox[0].body


def test_at_most_one_digest_a_day_and_only_with_news(alice):
    Digest.objects.create(user=alice)
    post = PostFactory(author=alice)
    like(post)
    now = timezone.now()
    assert services.send_digests(now=now) == 1
    like(post)
    assert services.send_digests(now=now + timedelta(hours=23)) == 0
    assert services.send_digests(now=now + timedelta(hours=25)) == 1
    # Nothing new since: no mail, though a day has passed.
    assert services.send_digests(now=now + timedelta(hours=50)) == 0
    assert len(mail.outbox) == 2


def test_read_notifications_are_not_mailed(alice):
    Digest.objects.create(user=alice)
    like(PostFactory(author=alice))
    services.mark_all_read(user=alice)
    assert services.send_digests() == 0


def test_switching_the_digest_off_removes_it(client, alice):
    Digest.objects.create(user=alice)
    client.force_login(alice)
    client.post("/settings/notifications/", {"kinds": ["like"]})
    assert not Digest.objects.exists()


def test_the_worker_runs_the_digest_every_hour():
    from apps.social import tasks  # noqa: F401 (the worker discovers every app's tasks.py)

    job = periodic.SCHEDULE["apps.social.tasks.send_notification_digests"]
    assert job.seconds == 3600


def test_no_digest_goes_to_an_unverified_address(alice):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=alice).update(verified=False)
    Digest.objects.create(user=alice)
    like(PostFactory(author=alice))
    assert services.send_digests() == 0
    assert mail.outbox == []


def test_one_failing_digest_does_not_stop_the_others(alice, monkeypatch, caplog):
    bob = UserFactory(username="bob")
    for member in (alice, bob):
        Digest.objects.create(user=member)
        like(PostFactory(author=member))
    real = services._mail_digest

    def fail_for_alice(digest, **kwargs):
        if digest.user_id == alice.pk:
            raise RuntimeError("template broken")
        return real(digest, **kwargs)

    monkeypatch.setattr(services, "_mail_digest", fail_for_alice)
    assert services.send_digests() == 1
    assert [m.to for m in mail.outbox] == [[bob.email]]
    assert "Notification digest for user" in caplog.text


def test_old_notifications_are_forgotten(alice, settings):
    from apps.social.models import Notification

    settings.NOTIFICATION_RETENTION_DAYS = 30
    post = PostFactory(author=alice)
    like(post)
    like(post)
    Notification.objects.filter(pk=Notification.objects.first().pk).update(
        created=timezone.now() - timedelta(days=31)
    )
    assert services.forget_old_notifications() == 1
    assert Notification.objects.count() == 1


def test_the_digest_follows_a_language_changed_after_it_was_switched_on(client, alice):
    client.force_login(alice)
    client.post("/settings/notifications/", {"kinds": ["like"], "digest": "on"})
    client.post("/language/", {"language": "ru"})
    like(PostFactory(author=alice))
    services.send_digests()
    assert mail.outbox[0].subject == "1 непрочитанное уведомление на Eternity"


def test_a_name_with_line_breaks_stays_on_its_line_and_links_nowhere(alice, settings):
    settings.SITE_URL = "https://eternity.example.com"
    Digest.objects.create(user=alice)
    mallory = UserFactory(
        first_name="Bob\r\n\r\nYour account is locked, visit https://evil.example/login",
        last_name="\u2028www.evil.example\tnow",
    )
    services.follow(follower=mallory, followee=alice)
    like(PostFactory(author=alice, title="Notes\n\nPS: see evil.example/x"))
    assert services.send_digests() == 1
    [message] = mail.outbox
    [line] = [line for line in message.body.splitlines() if "followed you" in line]
    assert line == (
        "- Bob Your account is locked, visit https[:]//evil[.]example/login www[.]evil[.]example"
        " now followed you"
    )
    assert "- Bob B liked your post “Notes PS: see evil[.]example/x”" in message.body
    links = re.findall(r"https?://\S+", message.body)
    assert links
    assert all(link.startswith("https://eternity.example.com/") for link in links)
    assert "evil.example" not in message.body


def test_a_long_name_is_cut_in_the_digest(alice):
    Digest.objects.create(user=alice)
    services.follow(follower=UserFactory(first_name="A" * 150, last_name="B" * 150), followee=alice)
    services.send_digests()
    [line] = [line for line in mail.outbox[0].body.splitlines() if line.startswith("- ")]
    assert len(line) <= 2 + 300
    assert line.endswith("…")
