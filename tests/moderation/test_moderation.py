"""Reports, the moderators' queue and what their decisions do: to the author (content hidden,
login refused, sessions ended), to everyone else (gone from the feed, counts right), and in
the append-only audit log. All through the URLconf, as members and moderators use it."""

import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, transaction
from django.test import Client

from apps.feed.models import Comment, Post
from apps.moderation.models import Action, AuditEntry, Report, Suspension
from tests.factories import PASSWORD, CommentFactory, PostFactory, UserFactory
from tests.moderation.decisions import act, log_in, suspend

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def bob():
    return UserFactory(username="bob", first_name="Bob", last_name="Builder")


@pytest.fixture
def post(bob):
    return PostFactory(author=bob, title="Buy cheap watches", text="Click here for watches")


@pytest.fixture
def mod():
    moderator = UserFactory(username="mod")
    moderator.groups.add(Group.objects.get(name="moderator"))
    return moderator


def report(client: Client, kind: str, pk: int, reason: str = "spam", note: str = ""):
    return client.post(f"/report/{kind}/{pk}/", {"reason": reason, "note": note})


# --- Reports ---------------------------------------------------------------------------------


def test_a_member_reports_a_post_once_and_is_thanked(user, post):
    client = log_in("alice")
    form = client.get(f"/report/post/{post.pk}/")
    assert form.status_code == 200
    assert "Buy cheap watches" in form.content.decode()
    response = report(client, "post", post.pk, note="Spam everywhere")
    assert response.status_code == 302
    assert "your report was sent" in client.get(response["Location"]).content.decode()
    assert Report.objects.filter(reporter=user, post=post, note="Spam everywhere").count() == 1
    again = report(client, "post", post.pk, reason="abuse")
    assert "already reported" in again.content.decode()
    assert Report.objects.filter(post=post).count() == 1
    # Not hidden automatically: everyone still sees it.
    assert "Buy cheap watches" in Client().get("/").content.decode()


def test_comments_and_profiles_can_be_reported_too(user, bob, post):
    comment = CommentFactory(post=post, author=bob, text="rude words")
    client = log_in("alice")
    assert report(client, "comment", comment.pk, reason="abuse").status_code == 302
    assert report(client, "profile", bob.pk, reason="other", note="Fake").status_code == 302
    assert set(Report.objects.values_list("reason", flat=True)) == {"abuse", "other"}


@pytest.mark.parametrize(
    ("data", "message"),
    [({"reason": "nonsense"}, "Select a valid choice"), ({}, "This field is required"),
     ({"reason": "spam", "note": "x" * 1001}, "at most 1000 characters")],
)  # fmt: skip
def test_a_bad_report_is_refused_with_a_message_and_files_nothing(user, post, data, message):
    response = log_in("alice").post(f"/report/post/{post.pk}/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Report.objects.exists()


def test_nobody_reports_their_own_things_or_what_they_cannot_see(user, bob, post):
    own = PostFactory(author=user)
    client = log_in("alice")
    response = report(client, "post", own.pk)
    assert "cannot report what you wrote" in response.content.decode()
    assert report(client, "post", 999_999).status_code == 404
    assert report(client, "thing", post.pk).status_code == 404
    assert client.get(f"/report/post/{post.pk}/", {"reason": "spam"}).status_code == 200
    assert Client().post(f"/report/post/{post.pk}/", {"reason": "spam"}).status_code == 302
    assert not Report.objects.exists()


def test_reports_are_rate_limited(user, bob, rate_window):
    posts = PostFactory.create_batch(7, author=bob)
    client = log_in("alice")
    statuses = [report(client, "post", p.pk).status_code for p in posts]
    assert statuses[:5] == [302] * 5
    assert statuses[5] == 429
    assert Report.objects.count() == 5


def test_reports_need_csrf(user, post):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert report(client, "post", post.pk).status_code == 403
    assert not Report.objects.exists()


def test_cards_offer_report_to_other_members_only(user, bob, post):
    PostFactory(author=user, title="Alice writes")
    html = log_in("alice").get("/").content.decode()
    assert f"/report/post/{post.pk}/" in html
    mine = Post.objects.get(title="Alice writes")
    assert f"/report/post/{mine.pk}/" not in html
    assert "/report/" not in Client().get("/").content.decode()


# --- The queue -------------------------------------------------------------------------------


def test_members_cannot_moderate(user, bob, post):
    client = log_in("alice")
    for url in ("/moderation/", "/moderation/suspended/", "/moderation/log/"):
        assert client.get(url).status_code == 403
    assert act(client, "post", post.pk, "remove").status_code == 403
    assert Client().get("/moderation/").status_code == 302  # to the login page
    post.refresh_from_db()
    assert post.removed is None
    assert not AuditEntry.objects.exists()


def test_staff_without_the_permission_cannot_moderate_either(post):
    staff = UserFactory(username="staffer", is_staff=True)
    assert log_in(staff.username).get("/moderation/").status_code == 403


def test_the_queue_groups_reports_by_thing_with_count_and_reasons(mod, bob, post):
    reporters = UserFactory.create_batch(3)
    for i, reporter in enumerate(reporters):
        Report.objects.create(reporter=reporter, post=post,
                              reason="spam" if i else "abuse", note=f"note {i}")  # fmt: skip
    Report.objects.create(reporter=reporters[0], member=bob, reason="other")
    html = log_in("mod").get("/moderation/").content.decode()
    assert "2 things wait for a decision" in html
    assert "Reported by 3 members" in html
    assert "Spam or advertising × 2" in html
    assert "Harassment or hate × 1" in html
    assert "note 2" in html
    assert "Profile of" in html


def test_the_queue_page_costs_the_same_queries_for_many_things(
    mod, bob, django_assert_max_num_queries
):
    client = log_in("mod")
    reporter = UserFactory()

    def fill(n: int) -> None:
        for _ in range(n):
            p = PostFactory(author=bob)
            Report.objects.create(reporter=reporter, post=p, reason="spam", note="n")
            c = CommentFactory(post=p, author=bob)
            Report.objects.create(reporter=reporter, comment=c, reason="abuse")
            Report.objects.create(reporter=reporter, member=UserFactory(), reason="other")

    fill(1)
    with django_assert_max_num_queries(17) as few:
        assert client.get("/moderation/").status_code == 200
    fill(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/moderation/").content.decode()
    assert "21 things wait" in html


def test_dismiss_closes_the_reports_and_changes_nothing_else(mod, user, post):
    Report.objects.create(reporter=user, post=post, reason="spam")
    response = act(log_in("mod"), "post", post.pk, "dismiss", reason="")
    assert response.status_code == 302
    report_row = Report.objects.get()
    assert report_row.resolution == Action.DISMISS
    assert report_row.resolved
    post.refresh_from_db()
    assert post.removed is None
    entry = AuditEntry.objects.get()
    assert (entry.moderator_name, entry.action, entry.subject_name) == ("mod", "dismiss", "bob")
    assert entry.reports_closed == 1
    assert "No open reports" in log_in("mod").get("/moderation/").content.decode()


def test_remove_needs_a_reason(mod, user, post):
    Report.objects.create(reporter=user, post=post, reason="spam")
    client = log_in("mod")
    response = act(client, "post", post.pk, "remove", reason="")
    assert "Say why" in client.get(response["Location"]).content.decode()
    post.refresh_from_db()
    assert post.removed is None
    assert not AuditEntry.objects.exists()


def test_removing_a_post_hides_it_from_everyone_but_its_author(mod, user, bob, post):
    Report.objects.create(reporter=user, post=post, reason="spam")
    alice = log_in("alice")
    assert "Buy cheap watches" in alice.get("/").content.decode()  # the card is cached now
    act(log_in("mod"), "post", post.pk, "remove", reason="Spam")
    assert "Buy cheap watches" not in alice.get("/").content.decode()
    assert "Buy cheap watches" not in Client().get("/").content.decode()
    assert alice.get(post.get_absolute_url()).status_code == 404
    assert alice.get("/search/", {"q": "watches"}).content.decode().count("Buy cheap") == 0
    author = log_in("bob")
    html = author.get(post.get_absolute_url()).content.decode()
    assert "Moderators removed this post" in html
    assert "Moderators removed this post" in author.get("/u/bob/").content.decode()
    entry = AuditEntry.objects.get()
    assert entry.action == "remove"
    assert entry.reason == "Spam"
    assert entry.target == f"post {post.pk} “Buy cheap watches”"


def test_removing_a_comment_leaves_a_placeholder_and_fixes_the_count(mod, user, bob, post):
    comment = CommentFactory(post=post, author=user, text="You are all idiots")
    CommentFactory(post=post, author=bob, parent=comment, text="Calm down")
    Post.objects.filter(pk=post.pk).update(comment_count=2)
    Report.objects.create(reporter=bob, comment=comment, reason="abuse")
    act(log_in("mod"), "comment", comment.pk, "remove", reason="Insults")
    html = Client().get(post.get_absolute_url()).content.decode()
    assert "You are all idiots" not in html
    assert "Comment removed by moderators." in html
    assert "Calm down" in html
    post.refresh_from_db()
    assert post.comment_count == 1
    comment.refresh_from_db()
    assert comment.text == "You are all idiots"  # kept for an appeal, shown to nobody


def test_clearing_a_profile_removes_name_bio_and_photo(mod, user, bob):
    bob.profile.bio = "Offensive words"
    bob.profile.save()
    Report.objects.create(reporter=user, member=bob, reason="abuse")
    act(log_in("mod"), "profile", bob.pk, "remove", reason="Offensive bio")
    html = Client().get("/u/bob/").content.decode()
    assert "Offensive words" not in html
    assert "Builder" not in html
    assert "@bob" in html


def test_suspending_a_member_logs_them_out_refuses_login_and_hides_everything(mod, user, bob, post):
    CommentFactory(post=PostFactory(author=user, title="Alice's post"), author=bob,
                   text="Bob was here")  # fmt: skip
    alices_post = Post.objects.get(title="Alice's post")
    Post.objects.filter(pk=alices_post.pk).update(comment_count=1)
    Report.objects.create(reporter=user, post=post, reason="spam")
    Report.objects.create(reporter=user, member=bob, reason="spam")
    bobs_browser = log_in("bob")
    assert bobs_browser.get("/settings/account/").status_code == 200

    response = suspend(log_in("mod"), "post", post.pk, reason="Spammer")
    assert response.status_code == 302

    assert bobs_browser.get("/settings/account/").status_code == 302  # logged out
    refused = Client().post("/accounts/login/", {"login": "bob", "password": PASSWORD})
    assert refused.status_code == 200
    assert "password you specified are not correct" in refused.content.decode()
    everyone = Client()
    assert "Buy cheap watches" not in everyone.get("/").content.decode()
    assert everyone.get("/u/bob/").status_code == 404
    detail = everyone.get(alices_post.get_absolute_url()).content.decode()
    assert "Bob was here" not in detail
    alices_post.refresh_from_db()
    assert alices_post.comment_count == 0
    assert Report.objects.filter(resolved__isnull=True).count() == 0
    assert Suspension.objects.get(member=bob).reason == "Spammer"
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.subject_name, entry.reports_closed) == ("suspend", "bob", 2)


def test_a_suspension_is_lifted_and_everything_comes_back(mod, user, bob, post):
    Report.objects.create(reporter=user, post=post, reason="spam")
    client = log_in("mod")
    suspend(client, "post", post.pk, reason="Spammer")
    html = client.get("/moderation/suspended/").content.decode()
    assert "@bob" in html
    assert "Spammer" in html
    refused = client.post(f"/moderation/suspended/{bob.pk}/lift/", {"reason": ""})
    assert refused.status_code == 400
    assert Suspension.objects.exists()
    client.post(f"/moderation/suspended/{bob.pk}/lift/", {"reason": "Appeal accepted"})
    assert not Suspension.objects.exists()
    assert log_in("bob").get("/settings/account/").status_code == 200
    assert "Buy cheap watches" in Client().get("/").content.decode()
    log = client.get("/moderation/log/").content.decode()
    assert "Appeal accepted" in log
    assert "Lifted the suspension" in log
    assert "Spammer" in log


def test_moderators_do_not_judge_their_own_things_nor_other_moderators(mod, user):
    other_mod = UserFactory(username="othermod")
    other_mod.groups.add(Group.objects.get(name="moderator"))
    theirs = PostFactory(author=other_mod, title="A moderator's post")
    mine = PostFactory(author=mod, title="My own post")
    Report.objects.create(reporter=user, post=theirs, reason="other")
    Report.objects.create(reporter=user, post=mine, reason="other")
    client = log_in("mod")
    refused = suspend(client, "post", theirs.pk, reason="Revenge")
    assert refused.status_code == 403
    assert "made by an administrator" in refused.content.decode()
    assert act(client, "post", theirs.pk, "remove", reason="Revenge").status_code == 403
    response = act(client, "post", mine.pk, "dismiss", reason="Revenge")
    assert "Another moderator decides" in client.get(response["Location"]).content.decode()
    other_mod.refresh_from_db()
    assert other_mod.is_active
    assert Post.objects.filter(removed__isnull=False).count() == 0
    assert not AuditEntry.objects.exists()
    # A superuser (every permission) can.
    UserFactory(username="root", is_superuser=True, is_staff=True)
    act(log_in("root"), "post", theirs.pk, "remove", reason="Off topic")
    assert Post.objects.get(pk=theirs.pk).removed is not None


def test_a_second_click_changes_nothing_and_logs_nothing(mod, user, post):
    Report.objects.create(reporter=user, post=post, reason="spam")
    client = log_in("mod")
    act(client, "post", post.pk, "remove", reason="Spam")
    again = act(client, "post", post.pk, "remove", reason="Spam")
    assert "removed already" in client.get(again["Location"]).content.decode()
    dismissed = act(client, "post", post.pk, "dismiss")
    assert "no open reports" in client.get(dismissed["Location"]).content.decode()
    assert AuditEntry.objects.count() == 1


def test_a_removed_post_takes_no_edits_comments_or_replies(mod, user, bob, post):
    comment = CommentFactory(post=post, author=user, text="First")
    act(log_in("mod"), "post", post.pk, "remove", reason="Spam")
    author = log_in("bob")
    assert author.get(f"/posts/{post.pk}/edit/").status_code == 403
    edited = author.post(f"/posts/{post.pk}/edit/", {"title": "Now with @alice", "text": "x"})
    assert edited.status_code == 403
    author.post(f"/posts/{post.pk}/comments/", {"text": "Hello @alice"})
    author.post(f"/posts/{post.pk}/comments/", {"text": "Re", "parent": comment.pk})
    assert Comment.objects.filter(post=post).count() == 1
    post.refresh_from_db()
    assert post.title == "Buy cheap watches"


def test_nobody_replies_to_a_removed_comment(mod, user, bob, post):
    comment = CommentFactory(post=post, author=bob, text="Rude")
    act(log_in("mod"), "comment", comment.pk, "remove", reason="Rude")
    log_in("alice").post(f"/posts/{post.pk}/comments/", {"text": "Re", "parent": comment.pk})
    assert Comment.objects.filter(parent=comment).count() == 0


def test_notifications_quoting_a_removed_post_are_withdrawn(mod, user, bob, post):
    carol = UserFactory(username="carol")
    alice = log_in("alice")
    alice.post(f"/posts/{post.pk}/comments/", {"text": "Hi @carol"})
    first = Comment.objects.get(post=post)
    log_in("carol").post(f"/posts/{post.pk}/comments/", {"text": "Re", "parent": first.pk})
    assert "“Hi @carol”" in log_in("carol").get("/notifications/").content.decode()
    assert "replied to your comment" in alice.get("/notifications/").content.decode()
    act(log_in("mod"), "post", post.pk, "remove", reason="Spam")
    assert "mentioned you" not in log_in("carol").get("/notifications/").content.decode()
    assert "replied to your comment" not in alice.get("/notifications/").content.decode()
    assert carol.notifications.count() == 0
    # The author still hears of what happened under their own post.
    assert bob.notifications.exists()


def test_the_audit_log_cannot_be_changed_or_deleted(mod, user, post):
    Report.objects.create(reporter=user, post=post, reason="spam")
    act(log_in("mod"), "post", post.pk, "dismiss")
    entry = AuditEntry.objects.get()
    entry.reason = "Nothing happened"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.update(reason="x")
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().reason == "Against the rules"


def test_the_audit_log_survives_the_accounts_it_names(mod, user, bob, post):
    Report.objects.create(reporter=user, post=post, reason="spam")
    act(log_in("mod"), "post", post.pk, "remove", reason="Spam")
    bob.delete()  # the author leaves: post and reports go with them
    assert not Report.objects.exists()
    entry = AuditEntry.objects.get()
    assert entry.subject is None
    assert entry.subject_name == "bob"
    assert "bob" in log_in("mod").get("/moderation/log/").content.decode()


def exported(username: str) -> dict:
    archive = log_in(username).post("/settings/account/export/")
    with zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))) as data:
        return json.loads(data.read("data.json"))


def test_the_data_export_holds_reports_filed_and_moderation_received(mod, user, bob, post):
    report(log_in("alice"), "post", post.pk, note="spam!")
    act(log_in("mod"), "post", post.pk, "remove", reason="Spam")
    [filed] = exported("alice")["reports_filed"]
    assert filed["note"] == "spam!"
    assert filed["resolution"] == "remove"
    [received] = exported("bob")["moderation_of_you"]
    assert received["action"] == "remove"
    assert received["reason"] == "Spam"
    assert "mod" not in json.dumps(received)


def test_the_moderator_group_exists_with_its_permissions():
    group = Group.objects.get(name="moderator")
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert codenames == {"moderate", "view_auditentry"}


def test_comment_removal_is_refused_to_a_member_posting_directly(user, bob, post):
    comment = CommentFactory(post=post, author=bob)
    act(log_in("alice"), "comment", comment.pk, "remove")
    assert Comment.objects.get(pk=comment.pk).removed is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_on_postgresql_the_database_itself_keeps_the_audit_log(mod, user, post):
    Report.objects.create(reporter=user, post=post, reason="spam")
    act(log_in("mod"), "post", post.pk, "dismiss", reason="Fine")
    for statement in ("UPDATE moderation_auditentry SET reason = 'Nothing happened'",
                      "DELETE FROM moderation_auditentry"):  # fmt: skip
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(statement)
    # Deleting an account the log names still works: the names stay, the links go.
    mod.delete()
    entry = AuditEntry.objects.get()
    assert entry.moderator is None
    assert (entry.moderator_name, entry.reason) == ("mod", "Fine")
