"""Members are told: when moderators remove something of theirs or suspend them, a notification
on the site and an email (through the task queue, in their language, to a verified address
only), both with the reason and the way to appeal."""

import email
import email.policy
import re
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.test import Client

from apps.feed.models import Post
from apps.moderation.models import Report
from apps.social.models import Notification
from tests.core.test_background import Inbox, queued_mail, smtp_on
from tests.factories import CommentFactory, PostFactory, UserFactory
from tests.moderation.decisions import act, log_in
from tests.servers import free_port

pytestmark = pytest.mark.django_db


def appeal_path(text: str) -> str:
    return re.search(r"(/appeal/[^/\s\"]+/)", text).group(1)


def test_removing_a_post_tells_its_author_why_on_the_site_and_by_email(
    mod, user, bob, post, django_capture_on_commit_callbacks
):
    Report.objects.create(reporter=user, post=post, reason="spam")
    with django_capture_on_commit_callbacks(execute=True):
        act(log_in("mod"), "post", post.pk, "remove", reason="Advertising is not allowed")
    page = log_in("bob").get("/notifications/").content.decode()
    assert "Moderators removed your post “Buy cheap watches”" in page
    assert "Why: Advertising is not allowed" in page
    assert "/appeal/" in page
    [message] = mail.outbox
    assert message.to == ["bob@example.com"]
    assert message.subject == "[Eternity] Moderators removed something of yours"
    assert "Moderators removed your post “Buy cheap watches”" in message.body
    assert "Why: Advertising is not allowed" in message.body
    assert "/appeal/" in message.body
    # The moderator is not named, and nobody else is told.
    assert not re.search(r"\bmod\b", message.body)
    assert not Notification.objects.exclude(recipient=bob).filter(kind="removed").exists()


def test_a_notice_has_its_own_icon_and_quotes_nothing_under_its_sentence(mod, user, bob, post):
    act(log_in("mod"), "post", post.pk, "remove", reason="Spam")
    page = log_in("bob").get("/notifications/").content.decode()
    line = re.search(r'data-kind="removed">(.*?)</li>', page, re.S).group(1)
    assert '<span class="kind-icon kind-icon-removed"' in line
    assert "Moderators removed your post “Buy cheap watches”" in line
    assert "notification-excerpt" not in line


@pytest.mark.parametrize(
    ("kind", "told"),
    [("comment", "Moderators removed your comment on “Buy cheap watches”"),
     ("profile", "Moderators cleared the name, bio and photo of your profile")],
)  # fmt: skip
def test_a_removed_comment_or_cleared_profile_is_told_too(
    mod, user, bob, post, kind, told, django_capture_on_commit_callbacks
):
    comment = CommentFactory(post=PostFactory(author=user, title="Buy cheap watches"),
                             author=bob)  # fmt: skip
    pk = comment.pk if kind == "comment" else bob.pk
    about = {"comment": comment} if kind == "comment" else {"member": bob}
    Report.objects.create(reporter=user, reason="abuse", **about)
    with django_capture_on_commit_callbacks(execute=True):
        act(log_in("mod"), kind, pk, "remove", reason="Rude")
    assert told in log_in("bob").get("/notifications/").content.decode()
    [message] = mail.outbox
    assert told in message.body
    assert "Why: Rude" in message.body


def test_a_suspended_member_is_emailed_the_reason_and_an_appeal_link_that_needs_no_login(
    mod, user, bob, post, django_capture_on_commit_callbacks
):
    Report.objects.create(reporter=user, post=post, reason="spam")
    with django_capture_on_commit_callbacks(execute=True):
        act(log_in("mod"), "post", post.pk, "suspend", reason="Spam from a bot")
    [message] = mail.outbox
    assert message.to == ["bob@example.com"]
    assert message.subject == "[Eternity] Account suspended"
    assert "Moderators suspended your account" in message.body
    assert "Why: Spam from a bot" in message.body
    page = Client().get(appeal_path(message.body))  # no session: bob cannot log in
    assert page.status_code == 200
    html = page.content.decode()
    assert "Why: Spam from a bot" in html
    assert "Send appeal" in html


def test_the_email_speaks_the_members_language(mod, user, bob, post,
                                               django_capture_on_commit_callbacks):  # fmt: skip
    bob.language = "ru"
    bob.save(update_fields=["language"])
    Report.objects.create(reporter=user, post=post, reason="spam")
    with django_capture_on_commit_callbacks(execute=True):
        act(log_in("mod"), "post", post.pk, "suspend", reason="Spam")
    assert mail.outbox[0].subject == "[Eternity] Аккаунт заблокирован"


def test_no_email_goes_to_an_address_the_member_has_not_verified(
    mod, user, bob, post, django_capture_on_commit_callbacks
):
    EmailAddress.objects.filter(user=bob).update(verified=False)
    Report.objects.create(reporter=user, post=post, reason="spam")
    with django_capture_on_commit_callbacks(execute=True):
        act(log_in("mod"), "post", post.pk, "remove", reason="Spam")
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=bob, kind="removed").count() == 1


def test_a_member_cannot_switch_moderators_notices_off(
    mod, user, bob, post, django_capture_on_commit_callbacks
):
    client = log_in("bob")
    settings_page = client.get("/settings/notifications/").content.decode()
    assert "Removals by moderators" not in settings_page
    client.post("/settings/notifications/", {"kinds": []})  # everything off
    Report.objects.create(reporter=user, post=post, reason="spam")
    act(log_in("mod"), "post", post.pk, "remove", reason="Spam")
    assert "Moderators removed your post" in client.get("/notifications/").content.decode()


def test_a_block_between_the_member_and_the_moderator_hides_no_notice(mod, user, bob, post):
    client = log_in("bob")
    client.post("/u/mod/block/")
    Report.objects.create(reporter=user, post=post, reason="spam")
    act(log_in("mod"), "post", post.pk, "remove", reason="Spam")
    log_in("mod").post("/u/bob/block/")
    assert "Moderators removed your post" in client.get("/notifications/").content.decode()


def test_the_notifications_page_costs_the_same_queries_for_many_notices(
    mod, user, bob, django_assert_max_num_queries
):
    client = log_in("bob")
    moderator = log_in("mod")

    def remove(n: int) -> None:
        for _ in range(n):
            p = PostFactory(author=bob)
            Report.objects.create(reporter=user, post=p, reason="spam")
            act(moderator, "post", p.pk, "remove", reason="Spam")

    remove(1)
    with django_assert_max_num_queries(12) as few:
        assert client.get("/notifications/").status_code == 200
    one = len(few.captured_queries)  # read now: every request empties the log
    remove(5)
    with django_assert_max_num_queries(one):
        html = client.get("/notifications/").content.decode()
    assert html.count("Moderators removed your post") == 6


@pytest.mark.django_db(transaction=True)
def test_the_decision_stands_with_the_mail_server_down_and_the_worker_mails_it_later(settings):
    port = free_port()
    settings.MAILERS = {
        "default": {"BACKEND": "apps.core.jobs.mail.QueuedEmailBackend"},
        "outbound": smtp_on(port),
    }
    settings.MAIL_RETRY_SECONDS = 30
    from django.contrib.auth.models import Group

    moderator = UserFactory(username="mod")
    moderator.groups.add(Group.objects.get(name="moderator"))
    bob = UserFactory(username="bob")
    post = PostFactory(author=bob, title="Buy cheap watches")
    Report.objects.create(reporter=UserFactory(), post=post, reason="spam")
    with mock.patch("smtplib.SMTP", side_effect=AssertionError("a request talked to SMTP")):
        response = act(log_in("mod"), "post", post.pk, "remove", reason="Spam")
    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).removed is not None
    [queued] = queued_mail()
    assert queued.args_kwargs["kwargs"]["message"]["to"] == ["bob@example.com"]
    with Inbox(port) as inbox:
        call_command("worker", batch=True, verbosity=0)
    [raw] = inbox.messages
    message = email.message_from_string(raw, policy=email.policy.default)
    assert message["To"] == "bob@example.com"
    body = message.get_body(("plain",)).get_content()
    assert "Why: Spam" in body
    assert Client().get(appeal_path(body)).status_code == 200


def test_a_title_with_line_breaks_stays_on_its_line_in_the_notice(
    mod, user, bob, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://eternity.example.com"
    bob.first_name = "Bob\r\n\r\nSecurity team: https://evil.example/login"
    bob.save()
    post = PostFactory(author=bob, title="Watches\r\n\r\nYour account is locked, see evil.example")
    Report.objects.create(reporter=user, post=post, reason="spam")
    with django_capture_on_commit_callbacks(execute=True):
        act(log_in("mod"), "post", post.pk, "remove", reason="Spam\n\nwww.spam.example")
    [message] = [m for m in mail.outbox if m.to == [bob.email]]
    lines = message.body.splitlines()
    assert lines[0] == "Hello Bob Security team: https[:]//evil[.]example/login Builder,"
    assert (
        "Moderators removed your post “Watches Your account is locked, see evil[.]example”. "
        "Only you can still see it."
    ) in lines
    assert "Why: Spam www[.]spam[.]example" in lines
    links = re.findall(r"https?://\S+", message.body)
    assert links
    assert all(link.startswith("https://eternity.example.com/") for link in links)
