"""Appeals: a member asks moderators to look again at a removal or a suspension, once per
decision, from the notification or the email (a suspended member whose password a login
refuses gets a fresh one by email); the
appeal waits in the moderators' own queue, is upheld or reversed with a reason, audited, and
the member is told."""

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.utils import timezone

from apps.feed.models import Comment, Post
from apps.moderation import notices, services
from apps.moderation.models import Action, Appeal, AuditEntry, Report, Suspension
from tests.factories import PASSWORD, CommentFactory, PostFactory, UserFactory
from tests.moderation.decisions import act, log_in

pytestmark = pytest.mark.django_db


def decide(client: Client, appeal: Appeal, outcome: str, reason: str = "Looked again"):
    return client.post(f"/moderation/appeals/{appeal.pk}/decide/",
                       {"outcome": outcome, "reason": reason})  # fmt: skip


def appeal_path(text: str) -> str:
    return re.search(r"(/appeal/[^/\s\"]+/)", text).group(1)


def remover() -> Client:
    """A second moderator, who makes the decisions appealed here ("mod" answers the appeals:
    nobody answers the appeal of their own decision)."""
    if not Group.objects.get(name="moderator").user_set.filter(username="remover").exists():
        UserFactory(username="remover").groups.add(Group.objects.get(name="moderator"))
    return log_in("remover")


def removed(user, post, reason: str = "Spam") -> Client:
    """Moderators removed bob's post; return bob's browser."""
    Report.objects.create(reporter=user, post=post, reason="spam")
    act(remover(), "post", post.pk, "remove", reason=reason)
    return log_in("bob")


def suspended_link(user, post, captured, reason: str = "Spammer") -> str:
    """Moderators suspended bob; return the appeal link from the email he got."""
    Report.objects.create(reporter=user, post=post, reason="spam")
    with captured(execute=True):
        act(remover(), "post", post.pk, "suspend", reason=reason)
    return appeal_path(mail.outbox[-1].body)


def appealed(user, post, text: str = "It was a joke") -> Appeal:
    bob = removed(user, post)
    link = appeal_path(bob.get("/notifications/").content.decode())
    bob.post(link, {"text": text})
    return Appeal.objects.get()


# --- Filing ----------------------------------------------------------------------------------


def test_a_member_appeals_a_removal_once_from_their_notification(
    mod, user, bob, post, django_assert_max_num_queries
):
    client = removed(user, post)
    link = appeal_path(client.get("/notifications/").content.decode())
    with django_assert_max_num_queries(10):
        page = client.get(link).content.decode()
    assert "Moderators removed your post “Buy cheap watches”" in page
    assert "Why: Spam" in page
    sent = client.post(link, {"text": "It was a joke"})
    assert sent.status_code == 302
    assert sent["Location"] == link  # post/redirect/get
    page = client.get(link).content.decode()
    assert "Your appeal was sent" in page
    assert "It was a joke" in page
    assert "Send appeal" not in page
    again = client.post(link, {"text": "Please look again"})
    assert again.status_code == 400
    assert "You have already appealed this decision" in again.content.decode()
    assert Appeal.objects.get().text == "It was a joke"


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "This field is required"), ("   ", "This field is required"),
     ("x" * 1001, "at most 1000 characters")],
)  # fmt: skip
def test_an_empty_or_overlong_appeal_is_refused_and_files_nothing(
    mod, user, bob, post, text, message
):
    client = removed(user, post)
    link = appeal_path(client.get("/notifications/").content.decode())
    response = client.post(link, {"text": text})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Appeal.objects.exists()


def test_a_tampered_or_old_appeal_link_shows_and_files_nothing(mod, user, bob, post):
    client = removed(user, post)
    link = appeal_path(client.get("/notifications/").content.decode())
    assert client.get(link[:-4] + "abc/").status_code == 404
    assert Client().post(link[:-4] + "abc/", {"text": "Hi"}).status_code == 404
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        old = Client().post(link, {"text": "Hi"})
    assert old.status_code == 410
    assert "This link has expired" in old.content.decode()
    assert "Buy cheap watches" not in old.content.decode()
    # A link made for a decision that cannot be appealed (a dismissal) leads nowhere.
    Report.objects.create(reporter=UserFactory(), member=bob, reason="other")
    act(log_in("mod"), "profile", bob.pk, "dismiss", reason="Fine")
    dismissal = AuditEntry.objects.get(action=Action.DISMISS)
    assert Client().get(notices.appeal_url(dismissal)).status_code == 404
    assert not Appeal.objects.exists()


def test_a_decision_that_no_longer_stands_cannot_be_appealed(
    mod, user, bob, post, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    link = suspended_link(user, post, django_capture_on_commit_callbacks)
    log_in("mod").post(f"/moderation/suspended/{bob.pk}/lift/", {"reason": "Mistake"})
    with django_assert_max_num_queries(5):
        page = Client().get(link).content.decode()
    assert "no longer stands" in page
    assert "Send appeal" not in page
    refused = Client().post(link, {"text": "Please"})
    assert refused.status_code == 400
    assert not Appeal.objects.exists()


# --- The moderators' queue -------------------------------------------------------------------


def test_appeals_wait_in_their_own_part_of_the_moderation_pages(mod, user, bob, post):
    appealed(user, post)
    client = log_in("mod")
    assert "/moderation/appeals/" in client.get("/moderation/").content.decode()
    html = client.get("/moderation/appeals/").content.decode()
    assert "1 appeal waits for a decision" in html
    assert "@bob" in html
    assert "It was a joke" in html
    assert "Buy cheap watches" in html
    assert "Removed the content" in html
    assert log_in("alice").get("/moderation/appeals/").status_code == 403
    assert Client().get("/moderation/appeals/").status_code == 302
    appeal = Appeal.objects.get()
    assert decide(log_in("alice"), appeal, "reversed").status_code == 403
    assert Post.objects.get(pk=post.pk).removed is not None


def test_the_appeals_page_costs_the_same_queries_for_many_appeals(
    mod, user, bob, django_assert_max_num_queries
):
    client = log_in("mod")
    moderator, member = log_in("mod"), log_in("bob")

    def fill(n: int) -> None:
        for _ in range(n):
            comment = CommentFactory(post=PostFactory(author=user), author=bob)
            Report.objects.create(reporter=user, comment=comment, reason="abuse")
            act(moderator, "comment", comment.pk, "remove", reason="Rude")
            entry = AuditEntry.objects.filter(comment=comment).get()
            member.post(notices.appeal_url(entry), {"text": "Not rude"})

    fill(1)
    with django_assert_max_num_queries(12) as few:
        assert client.get("/moderation/appeals/").status_code == 200
    one = len(few.captured_queries)
    fill(5)
    with django_assert_max_num_queries(one):
        html = client.get("/moderation/appeals/").content.decode()
    assert "6 appeals wait" in html


# --- Deciding --------------------------------------------------------------------------------


def test_reversing_an_appeal_brings_the_post_back_audited_and_tells_the_member(
    mod, user, bob, post, django_capture_on_commit_callbacks
):
    appeal = appealed(user, post)
    client = log_in("mod")
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, appeal, "reversed", reason="Not spam after all")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "The decision is reversed" in page
    assert "No appeals wait for a decision" in page
    assert "Buy cheap watches" in Client().get("/").content.decode()
    entry = AuditEntry.objects.first()
    assert (entry.action, entry.moderator_name, entry.subject_name, entry.reason) == (
        "restore", "mod", "bob", "Not spam after all")  # fmt: skip
    assert "Reversed a decision on appeal" in client.get("/moderation/log/").content.decode()
    told = "Moderators accepted your appeal: your post “Buy cheap watches” is back."
    assert told in log_in("bob").get("/notifications/").content.decode()
    [message] = [m for m in mail.outbox if "appeal" in m.subject]
    assert told in message.body
    assert "Why: Not spam after all" in message.body
    # And the author may edit it again.
    assert log_in("bob").get(f"/posts/{post.pk}/edit/").status_code == 200


def test_reversing_a_comment_removal_shows_and_counts_it_again(mod, user, bob):
    mine = PostFactory(author=user, title="Alice's post")
    comment = CommentFactory(post=mine, author=bob, text="Strong opinion")
    Post.objects.filter(pk=mine.pk).update(comment_count=1)
    Report.objects.create(reporter=user, comment=comment, reason="abuse")
    act(remover(), "comment", comment.pk, "remove", reason="Rude")
    assert Post.objects.get(pk=mine.pk).comment_count == 0
    log_in("bob").post(notices.appeal_url(AuditEntry.objects.get()), {"text": "Not rude"})
    decide(log_in("mod"), Appeal.objects.get(), "reversed", reason="Fair point")
    assert Comment.objects.get(pk=comment.pk).removed is None
    assert Post.objects.get(pk=mine.pk).comment_count == 1
    assert "Strong opinion" in Client().get(mine.get_absolute_url()).content.decode()


def test_upholding_keeps_it_removed_and_tells_the_member_why(mod, user, bob, post):
    appeal = appealed(user, post)
    decide(log_in("mod"), appeal, "upheld", reason="Links to a scam shop")
    assert Post.objects.get(pk=post.pk).removed is not None
    assert AuditEntry.objects.first().action == "uphold"
    client = log_in("bob")
    told = "Moderators looked at your appeal and keep your post “Buy cheap watches” removed."
    notifications = client.get("/notifications/").content.decode()
    assert told in notifications
    assert "Why: Links to a scam shop" in notifications
    page = client.get(appeal_path(notifications)).content.decode()
    assert told in page
    assert "Why: Links to a scam shop" in page


def test_an_appeal_is_decided_once_and_with_a_reason(mod, user, bob, post):
    appeal = appealed(user, post)
    client = log_in("mod")
    entries = AuditEntry.objects.count()
    refused = decide(client, appeal, "reversed", reason="")
    assert "This field is required" in client.get(refused["Location"]).content.decode()
    assert decide(client, appeal, "maybe").status_code == 302
    assert Appeal.objects.get().decided is None
    assert AuditEntry.objects.count() == entries
    decide(client, appeal, "upheld", reason="Spam")
    again = decide(client, appeal, "reversed", reason="Changed my mind")
    assert "This appeal was decided already" in client.get(again["Location"]).content.decode()
    assert Post.objects.get(pk=post.pk).removed is not None
    assert AuditEntry.objects.count() == entries + 1


def test_reversing_a_suspension_on_appeal_reinstates_the_member_and_emails_them(
    mod, user, bob, post, django_capture_on_commit_callbacks
):
    link = suspended_link(user, post, django_capture_on_commit_callbacks)
    assert Client().post(link, {"text": "I am not a bot"}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        decide(log_in("mod"), Appeal.objects.get(), "reversed", reason="A real person")
    assert not Suspension.objects.exists()
    assert AuditEntry.objects.first().action == "restore"
    message = mail.outbox[-1]
    assert "Moderators accepted your appeal: your account is active again." in message.body
    assert "Why: A real person" in message.body
    assert "/accounts/login/" in message.body
    assert log_in("bob").get("/settings/account/").status_code == 200


def test_a_moderator_does_not_decide_the_appeal_of_another_moderator(
    mod, user, django_capture_on_commit_callbacks
):
    other = UserFactory(username="othermod")
    other.groups.add(Group.objects.get(name="moderator"))
    theirs = PostFactory(author=other)
    UserFactory(username="root", is_superuser=True, is_staff=True)
    root = log_in("root")
    Report.objects.create(reporter=user, post=theirs, reason="spam")
    with django_capture_on_commit_callbacks(execute=True):
        act(root, "post", theirs.pk, "suspend", reason="Abuse of power")
    Client().post(appeal_path(mail.outbox[-1].body), {"text": "Unfair"})
    appeal = Appeal.objects.get()
    moderator = log_in("mod")
    refused = decide(moderator, appeal, "reversed", reason="Friend of mine")
    assert refused.status_code == 403
    assert "made by an administrator" in refused.content.decode()
    assert Suspension.objects.filter(member=other).exists()
    decide(root, appeal, "reversed", reason="Unfair indeed")
    assert not Suspension.objects.filter(member=other).exists()


# --- A suspended member signing in -----------------------------------------------------------


def test_a_suspended_member_whose_password_is_refused_appeals_from_the_mail(
    mod, user, bob, post, django_capture_on_commit_callbacks
):
    Report.objects.create(reporter=user, post=post, reason="spam")
    act(log_in("mod"), "post", post.pk, "suspend", reason="Spam from a bot")
    mail.outbox.clear()
    browser = Client()
    with django_capture_on_commit_callbacks(execute=True):
        refused = browser.post("/accounts/login/", {"login": "bob", "password": PASSWORD})
    assert refused.status_code == 200
    assert "Spam from a bot" not in refused.content.decode()
    [message] = mail.outbox
    assert "Why: Spam from a bot" in message.body
    form = browser.get(appeal_path(message.body))
    assert "Send appeal" in form.content.decode()
    browser.post(appeal_path(message.body), {"text": "I am not a bot"})
    assert Appeal.objects.get().text == "I am not a bot"


def test_after_an_appeal_the_refused_login_mail_points_at_it(
    mod, user, bob, post, django_capture_on_commit_callbacks
):
    Report.objects.create(reporter=user, post=post, reason="spam")
    act(log_in("mod"), "post", post.pk, "suspend", reason="Spam from a bot")
    services.appeal(member=bob, entry=AuditEntry.objects.get(), text="I am not a bot")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/accounts/login/", {"login": "bob", "password": PASSWORD})
    [message] = mail.outbox
    assert "You have appealed this decision; see how your appeal stands" in message.body
    page = Client().get(appeal_path(message.body)).content.decode()
    assert "I am not a bot" in page


# --- The member's data -----------------------------------------------------------------------


def test_the_data_export_holds_the_members_appeals(mod, user, bob, post):
    appealed(user, post)
    archive = log_in("bob").post("/settings/account/export/")
    with zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))) as data:
        [filed] = json.loads(data.read("data.json"))["appeals"]
    assert (filed["text"], filed["decision"], filed["outcome"]) == ("It was a joke", "remove", "")


def test_a_moderator_does_not_answer_the_appeal_of_their_own_decision(mod, user, bob, post):
    appeal = appealed(user, post)
    refused = decide(remover(), appeal, "reversed", reason="I was wrong")
    assert refused.status_code == 403
    assert Post.objects.get(pk=post.pk).removed is not None
    assert decide(log_in("mod"), appeal, "reversed").status_code == 302
    assert Post.objects.get(pk=post.pk).removed is None


def test_a_removal_reversed_on_appeal_brings_the_image_back_to_public_view(
    mod, user, bob, media_root, django_capture_on_commit_callbacks
):
    from apps.feed import services as feed
    from tests.images import image_bytes

    post = feed.create_post(author=bob, title="Sunset", text="x", tags=[], image=image_bytes())
    Report.objects.create(reporter=user, post=post, reason="spam")
    with django_capture_on_commit_callbacks(execute=True):
        act(remover(), "post", post.pk, "remove", reason="Spam")
    bob_browser = log_in("bob")
    bob_browser.post(appeal_path(bob_browser.get("/notifications/").content.decode()),
                     {"text": "It is my photo"})  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        decide(log_in("mod"), Appeal.objects.get(), "reversed")
    post.refresh_from_db()
    assert not post.image.name.startswith("moderated/")
    assert Client().get(post.image.url).status_code == 200
