"""Reports of messages: a member of the conversation reports another member's message, which
is quoted in the report (its image copied where only moderators and its sender can open it),
so moderators judge it as it was, even once deleted, and never see the rest of the
conversation; their decisions (dismiss, delete for everyone, suspend the sender) are audited
like every other, and the sender is told."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from apps.conversations import services
from apps.conversations.models import Message
from apps.moderation.models import Action, AuditEntry, Report
from apps.social import services as social
from apps.social.models import Notification
from tests.factories import PASSWORD, UserFactory
from tests.images import image_bytes

pytestmark = pytest.mark.django_db

REASON = "Against the rules"


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", first_name="Alice", last_name="A")


@pytest.fixture
def boris(db):
    return UserFactory(username="boris", first_name="Boris", last_name="B")


@pytest.fixture
def mod(db):
    moderator = UserFactory(username="mod")
    moderator.groups.add(Group.objects.get(name="moderator"))
    return moderator


@pytest.fixture
def spam(alice, boris):
    """Boris's message to Alice, with an image, after her greeting."""
    social.follow(follower=alice, followee=boris)
    services.start_conversation(starter=alice, members=[boris], text="Hello Boris")
    return services.start_conversation(
        starter=boris, members=[alice], text="Cheap <b>watches</b> here",
        image=image_bytes(), image_alt="A watch",
    )  # fmt: skip


def log_in(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def report(client: Client, message: Message, note: str = ""):
    return client.post(f"/report/message/{message.pk}/", {"reason": "spam", "note": note})


def act(client: Client, message: Message, action: str):
    if action == "suspend":
        return client.post(f"/moderation/suspend/message/{message.pk}/", {"reason": REASON})
    return client.post("/moderation/act/", {"kind": "message", "pk": message.pk,
                                            "action": action, "reason": REASON})  # fmt: skip


def stored_files(media_root) -> set[str]:
    return {str(p.relative_to(media_root)) for p in Path(media_root).rglob("*") if p.is_file()}


# --- Reporting -------------------------------------------------------------------------------


def test_a_member_reports_another_members_message_from_the_conversation(alice, spam):
    client = log_in("alice")
    page = client.get(f"/messages/{spam.conversation_id}/").content.decode()
    links = re.findall(r'href="/report/message/(\d+)/"', page)
    assert links == [str(spam.pk)]  # not her own message
    form = client.get(f"/report/message/{spam.pk}/").content.decode()
    assert "Report this message" in form
    assert "Cheap &lt;b&gt;watches&lt;/b&gt; here" in form
    assert "Hello Boris" not in form
    assert "Moderators see this message, and nothing else of the conversation." in form

    response = report(client, spam, note="Spam from a stranger")

    assert response.status_code == 302
    assert "your report was sent" in client.get(response["Location"]).content.decode()
    filed = Report.objects.get()
    assert (filed.reporter, filed.message, filed.note) == (alice, spam, "Spam from a stranger")
    assert filed.quoted_text == "Cheap <b>watches</b> here"
    assert filed.quoted_image.name.startswith(f"moderated/{spam.sender_id}/reports/")
    assert filed.quoted_image_alt == "A watch"
    assert "already reported" in report(client, spam).content.decode()
    assert Report.objects.count() == 1


def test_nobody_outside_the_conversation_can_report_its_messages(spam):
    stranger = UserFactory(username="stranger")
    client = log_in(stranger.username)
    assert client.get(f"/report/message/{spam.pk}/").status_code == 404
    assert report(client, spam).status_code == 404
    assert not Report.objects.exists()


def test_a_member_cannot_report_their_own_message(spam):
    response = report(log_in("boris"), spam)
    assert response.status_code == 400
    assert "You cannot report what you wrote yourself." in response.content.decode()
    assert not Report.objects.exists()


def test_a_message_deleted_for_everyone_cannot_be_reported(boris, spam):
    services.delete_message(user=boris, message=spam)
    assert log_in("alice").get(f"/report/message/{spam.pk}/").status_code == 404


# --- The queue -------------------------------------------------------------------------------


def test_moderators_judge_the_message_as_reported_even_once_its_sender_deleted_it(
    mod, boris, spam, django_capture_on_commit_callbacks
):
    report(log_in("alice"), spam)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_message(user=boris, message=spam)
    moderator = log_in("mod")

    html = moderator.get("/moderation/").content.decode()

    assert "Message from @boris in a private conversation" in html
    assert "Cheap &lt;b&gt;watches&lt;/b&gt; here" in html
    assert "Deleted for everyone" in html
    assert "Hello Boris" not in html  # nothing else of the conversation
    image = re.search(r'<img class="thing-thumbnail[^>]*src="([^"]+)"[^>]*alt="A watch"', html)
    assert moderator.get(image.group(1)).status_code == 200
    assert log_in("alice").get(image.group(1)).status_code == 404  # moderators' copy
    assert moderator.get(f"/messages/{spam.conversation_id}/").status_code == 404


def test_the_queue_costs_the_same_queries_for_many_reported_messages(
    mod, alice, boris, django_assert_max_num_queries
):
    client = log_in("mod")

    def fill(n: int) -> None:
        for number in range(n):
            message = services.start_conversation(
                starter=boris, members=[alice], text=f"Spam {number}", image=image_bytes()
            )
            report(log_in("alice"), message)

    fill(1)
    with django_assert_max_num_queries(20) as few:
        assert client.get("/moderation/").status_code == 200
    one = len(few.captured_queries)
    fill(3)
    with django_assert_max_num_queries(one):
        html = client.get("/moderation/").content.decode()
    assert html.count("Message from @boris") == 4


# --- Decisions -------------------------------------------------------------------------------


def test_deleting_a_reported_message_for_everyone_is_audited_and_told(
    mod, alice, boris, spam, media_root, django_capture_on_commit_callbacks
):
    report(log_in("alice"), spam)
    assert Notification.objects.filter(recipient=alice, kind="message").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = act(log_in("mod"), spam, "remove")

    assert response.status_code == 302
    spam.refresh_from_db()
    assert spam.is_deleted
    assert (spam.text, spam.image.name) == ("", "")
    page = log_in("alice").get(f"/messages/{spam.conversation_id}/").content.decode()
    assert "Message deleted" in page
    assert "watches" not in page
    assert not Notification.objects.filter(recipient=alice, kind="message").exists()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.subject, entry.moderator) == (Action.REMOVE, boris, mod)
    assert entry.target == f"message {spam.pk} in conversation {spam.conversation_id}"
    assert entry.reports_closed == 1
    assert Report.objects.get().resolution == Action.REMOVE
    # The report's copy stays for moderators and an appeal; the message's own file is gone.
    assert stored_files(media_root) == {Report.objects.get().quoted_image.name}
    told = log_in("boris").get("/notifications/").content.decode()
    assert "Moderators deleted a message you sent in a conversation, for everyone in it." in told


def test_the_sender_reads_the_removed_message_when_appealing(mod, boris, spam):
    report(log_in("alice"), spam)
    act(log_in("mod"), spam, "remove")
    client = log_in("boris")
    link = re.search(r'href="(/appeal/[^"]+/)"', client.get("/notifications/").content.decode())
    page = client.get(link.group(1)).content.decode()
    assert "Cheap &lt;b&gt;watches&lt;/b&gt; here" in page
    assert client.post(link.group(1), {"text": "It was a joke"}).status_code == 302
    appeals = log_in("mod").get("/moderation/appeals/").content.decode()
    assert "Cheap &lt;b&gt;watches&lt;/b&gt; here" in appeals


def test_dismissing_leaves_the_message_and_closes_the_reports(mod, spam):
    report(log_in("alice"), spam)
    act(log_in("mod"), spam, "dismiss")
    spam.refresh_from_db()
    assert not spam.is_deleted
    assert Report.objects.get().resolution == Action.DISMISS
    assert AuditEntry.objects.get().action == Action.DISMISS


def test_suspending_the_sender_from_a_reported_message_hides_their_messages(mod, boris, spam):
    report(log_in("alice"), spam)
    confirm = log_in("mod").get(f"/moderation/suspend/message/{spam.pk}/").content.decode()
    assert "hides their posts, comments, messages and profile from everyone" in confirm
    act(log_in("mod"), spam, "suspend")
    boris.refresh_from_db()
    assert not boris.is_active
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.message) == (Action.SUSPEND, spam)
    page = log_in("alice").get(f"/messages/{spam.conversation_id}/").content.decode()
    assert "watches" not in page
    assert "Hello Boris" in page


def test_a_moderator_cannot_delete_their_own_reported_message(mod, alice):
    message = services.start_conversation(starter=mod, members=[alice], text="Mine")
    report(log_in("alice"), message)
    act(log_in("mod"), message, "remove")
    message.refresh_from_db()
    assert not message.is_deleted
    assert not AuditEntry.objects.exists()


# --- Deleting an account ---------------------------------------------------------------------


def test_deleting_the_sender_deletes_the_reports_about_their_messages_and_the_copies(
    boris, spam, media_root, django_capture_on_commit_callbacks
):
    report(log_in("alice"), spam)
    copy = Report.objects.get().quoted_image.name
    assert copy in stored_files(media_root)
    with django_capture_on_commit_callbacks(execute=True):
        log_in("boris").post("/settings/account/delete/", {"password": PASSWORD, "confirm": "on"})
    assert not Report.objects.exists()
    assert copy not in stored_files(media_root)
    assert Message.objects.get(pk=spam.pk).sender is None  # kept for alice


def test_the_admin_lists_a_message_report_by_its_id_without_its_words(spam):
    report(log_in("alice"), spam)
    admin = Client()
    admin.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    listing = admin.get("/admin/moderation/report/")
    assert listing.status_code == 200
    assert f"Message {spam.pk} in {spam.conversation_id}" in listing.content.decode()
    detail = admin.get(f"/admin/moderation/report/{Report.objects.get().pk}/change/")
    assert detail.status_code == 200
    assert "watches" not in detail.content.decode()


def test_a_report_still_goes_when_the_image_cannot_be_copied(spam, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("storage down")

    monkeypatch.setattr("apps.core.uploads.moderated.copy", broken)
    assert report(log_in("alice"), spam).status_code == 302
    filed = Report.objects.get()
    assert (filed.quoted_text, filed.quoted_image.name) == ("Cheap <b>watches</b> here", "")


def test_moderators_cannot_open_or_act_on_a_message_nobody_reported(alice, spam, mod):
    moderator = log_in("mod")
    page = moderator.get(f"/moderation/suspend/message/{spam.pk}/")
    assert page.status_code == 404
    assert b"watches" not in page.content
    assert act(moderator, spam, "remove").status_code == 404
    spam.refresh_from_db()
    assert spam.text == "Cheap <b>watches</b> here"
    assert not AuditEntry.objects.exists()
    # Once reported, the same page quotes it.
    report(log_in("alice"), spam)
    assert b"watches" in moderator.get(f"/moderation/suspend/message/{spam.pk}/").content
