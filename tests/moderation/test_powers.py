"""Every power audited and gated: moderation comes from the "moderate" permission, never from
is_staff; deleting someone's things for good is a superuser's audited act; the same rule of
who may decide about whom for every action, lifting a suspension included; two-factor for
every moderation page; Suspend asks first; the menu leads moderators to the queue; a report
is sent once. All through the URLconf, as members, moderators and superusers use it."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.test import Client

from apps.accounts.selectors import needs_two_factor
from apps.feed.models import Comment, Post
from apps.moderation import services
from apps.moderation.models import AuditEntry, Report, Suspension
from apps.moderation.selectors import Thing
from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_moderator(username: str, **fields):
    moderator = UserFactory(username=username, **fields)
    moderator.groups.add(Group.objects.get(name="moderator"))
    return moderator


@pytest.fixture
def bob():
    return UserFactory(username="bob")


@pytest.fixture
def post(bob):
    return PostFactory(author=bob, title="Buy cheap watches", text="Click here")


@pytest.fixture
def mod():
    return make_moderator("mod")


@pytest.fixture
def root():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


# --- One permission model: nobody deletes others' things but through moderation -------------


def test_staff_without_the_permission_cannot_delete_a_members_post(bob, post):
    staff = signed_in(UserFactory(username="staffer", is_staff=True))
    assert staff.post(f"/posts/{post.pk}/delete/").status_code == 403
    assert staff.get(f"/posts/{post.pk}/delete/").status_code == 403
    assert Post.objects.filter(pk=post.pk).exists()
    assert (
        f'href="/posts/{post.pk}/delete/"'
        not in staff.get(post.get_absolute_url()).content.decode()
    )


def test_staff_without_the_permission_cannot_delete_a_members_comment(bob, post):
    comment = CommentFactory(post=post, author=UserFactory(), text="A member's words")
    staff = signed_in(UserFactory(username="staffer", is_staff=True))
    assert staff.post(f"/comments/{comment.pk}/delete/").status_code == 403
    assert Comment.objects.get(pk=comment.pk).text == "A member's words"
    assert (
        f"/comments/{comment.pk}/delete/" not in staff.get(post.get_absolute_url()).content.decode()
    )


def test_a_moderator_cannot_delete_a_members_post_outside_moderation(mod, post):
    assert signed_in(mod).post(f"/posts/{post.pk}/delete/").status_code == 403
    assert Post.objects.filter(pk=post.pk).exists()


def test_the_posts_author_still_deletes_comments_under_their_own_post(bob, post):
    comment = CommentFactory(post=post, author=UserFactory(), text="Rude")
    assert signed_in(bob).post(f"/comments/{comment.pk}/delete/").status_code == 302
    assert not Comment.objects.filter(pk=comment.pk).exists()
    assert not AuditEntry.objects.exists()  # a member's own thread: not a moderation act


def test_a_superuser_deletes_a_post_permanently_in_the_admin_giving_a_reason(root, bob, post):
    Report.objects.create(reporter=UserFactory(), post=post, reason="spam")
    admin = signed_in(root)
    url = f"/admin/feed/post/{post.pk}/delete/"
    page = admin.get(url)
    assert page.status_code == 200
    assert "Why (kept in the audit log)" in page.content.decode()
    refused = admin.post(url, {"erase": "yes", "reason": ""})
    assert refused.status_code == 200
    assert "This field is required" in refused.content.decode()
    assert Post.objects.filter(pk=post.pk).exists()
    assert not AuditEntry.objects.exists()

    response = admin.post(url, {"erase": "yes", "reason": "Illegal content, court order"})
    assert response.status_code == 302
    assert not Post.objects.filter(pk=post.pk).exists()
    entry = AuditEntry.objects.get()
    assert (entry.moderator_name, entry.action, entry.subject_name) == ("root", "erase", "bob")
    assert entry.reason == "Illegal content, court order"
    assert entry.target == f"post {post.pk} “Buy cheap watches”"
    assert entry.reports_closed == 1
    assert "Deleted permanently" in admin.get("/moderation/log/").content.decode()


def test_the_admins_bulk_delete_is_the_audited_one(root, bob):
    posts = PostFactory.create_batch(2, author=bob)
    admin = signed_in(root)
    selected = [p.pk for p in posts]
    plain = admin.post("/admin/feed/post/", {"action": "delete_selected", "post": "yes",
                                             "_selected_action": selected})  # fmt: skip
    assert plain.status_code in (200, 302)
    assert Post.objects.count() == 2  # Django's unaudited action is not there
    asked = admin.post("/admin/feed/post/", {"action": "erase_selected",
                                             "_selected_action": selected})  # fmt: skip
    assert asked.status_code == 200
    assert "Why (kept in the audit log)" in asked.content.decode()
    assert Post.objects.count() == 2
    confirmed = {"action": "erase_selected", "_selected_action": selected, "erase": "yes",
                 "reason": "Spam wave"}  # fmt: skip
    done = admin.post("/admin/feed/post/", confirmed)
    assert done.status_code == 302
    assert not Post.objects.exists()
    assert list(AuditEntry.objects.values_list("action", "reason")) == [("erase", "Spam wave")] * 2


def test_a_comment_deleted_permanently_takes_its_replies_and_mends_the_count(root, bob, post):
    comment = CommentFactory(post=post, author=UserFactory(username="troll"), text="Abuse")
    CommentFactory(post=post, author=bob, parent=comment, text="Please stop")
    CommentFactory(post=post, author=bob, text="Another thread")
    Post.objects.filter(pk=post.pk).update(comment_count=3)
    response = signed_in(root).post(f"/admin/feed/comment/{comment.pk}/delete/",
                                    {"erase": "yes", "reason": "Doxxing"})  # fmt: skip
    assert response.status_code == 302
    assert list(Comment.objects.values_list("text", flat=True)) == ["Another thread"]
    post.refresh_from_db()
    assert post.comment_count == 1
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.subject_name, entry.reason) == ("erase", "troll", "Doxxing")


def test_a_thread_and_its_reply_deleted_together_are_each_told_once(root, bob, post):
    first = CommentFactory(post=post, author=UserFactory(username="troll"), text="Abuse")
    reply = CommentFactory(post=post, author=first.author, parent=first, text="More abuse")
    selected = {"action": "erase_selected", "_selected_action": [first.pk, reply.pk],
                "erase": "yes", "reason": "Harassment"}  # fmt: skip
    response = signed_in(root).post("/admin/feed/comment/", selected, follow=True)
    assert response.status_code == 200
    assert "This was deleted already." in response.content.decode()
    assert not Comment.objects.exists()
    assert AuditEntry.objects.count() == 1


def test_staff_who_are_not_superusers_cannot_delete_in_the_admin(bob, post):
    staff = UserFactory(username="staffer", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="feed", codename__in=["view_post", "delete_post"]))  # fmt: skip
    admin = signed_in(staff)
    assert admin.get("/admin/feed/post/").status_code == 200
    url = f"/admin/feed/post/{post.pk}/delete/"
    assert admin.post(url, {"erase": "yes", "reason": "Because"}).status_code == 403
    confirmed = {"action": "erase_selected", "_selected_action": [post.pk], "erase": "yes",
                 "reason": "Because"}  # fmt: skip
    listed = admin.post("/admin/feed/post/", confirmed)
    assert listed.status_code in (200, 302)
    assert Post.objects.filter(pk=post.pk).exists()
    assert not AuditEntry.objects.exists()


def test_deleting_for_good_is_refused_to_moderators_even_without_the_admin(mod, post):
    with pytest.raises(PermissionDenied):
        services.erase(moderator=mod, thing=Thing("post", post, post.author), reason="Mine now")
    assert Post.objects.filter(pk=post.pk).exists()
    assert not AuditEntry.objects.exists()


# --- Who may decide about whom: lifting a suspension too ------------------------------------


@pytest.mark.parametrize("kind", ["staff", "moderator"])
def test_a_moderator_cannot_lift_a_superusers_suspension_of_staff_or_a_moderator(mod, root, kind):
    member = UserFactory(username="suspended", is_staff=True) if kind == "staff" else (
        make_moderator("suspended"))  # fmt: skip
    services.suspend(moderator=root, member=member, reason="Abused the tools", thing=None)
    response = signed_in(mod).post(f"/moderation/suspended/{member.pk}/lift/",
                                   {"reason": "My friend"})  # fmt: skip
    assert response.status_code == 403
    assert "made by an administrator" in response.content.decode()
    member.refresh_from_db()
    assert not member.is_active
    assert Suspension.objects.filter(member=member).exists()
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["suspend"]
    # The superuser can.
    assert signed_in(root).post(f"/moderation/suspended/{member.pk}/lift/",
                                {"reason": "Served the time"}).status_code == 302  # fmt: skip
    member.refresh_from_db()
    assert member.is_active


def test_a_moderator_still_lifts_a_members_suspension(mod, bob, post):
    services.suspend(moderator=mod, member=bob, reason="Spam", thing=None)
    signed_in(make_moderator("other")).post(f"/moderation/suspended/{bob.pk}/lift/",
                                            {"reason": "Appeal accepted"})  # fmt: skip
    bob.refresh_from_db()
    assert bob.is_active


# --- Two-factor for every moderation page -----------------------------------------------------


MODERATION_PAGES = ["/moderation/", "/moderation/suspended/", "/moderation/log/"]


def test_a_moderator_without_two_factor_is_sent_to_enrol_from_every_moderation_page(
    settings, mod, post
):
    settings.STAFF_REQUIRE_TWO_FACTOR = True
    client = signed_in(mod)
    for url in [*MODERATION_PAGES, f"/moderation/suspend/post/{post.pk}/"]:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, "/accounts/2fa/"), url
    page = client.get("/moderation/", follow=True)
    assert "Moderators need two-factor authentication" in page.content.decode()


def test_a_moderator_without_two_factor_changes_nothing_by_posting(settings, mod, bob, post):
    settings.STAFF_REQUIRE_TWO_FACTOR = True
    Report.objects.create(reporter=UserFactory(), post=post, reason="spam")
    client = signed_in(mod)
    posts = [
        ("/moderation/act/", {"kind": "post", "pk": post.pk, "action": "remove", "reason": "x"}),
        (f"/moderation/suspend/post/{post.pk}/", {"reason": "x"}),
    ]
    for url, data in posts:
        assert client.post(url, data)["Location"] == "/accounts/2fa/"
    post.refresh_from_db()
    bob.refresh_from_db()
    assert post.removed is None
    assert bob.is_active
    assert Report.objects.get().resolved is None
    assert not AuditEntry.objects.exists()


def test_with_two_factor_a_moderator_gets_in(settings, mod, post):
    settings.STAFF_REQUIRE_TWO_FACTOR = True
    TOTP.activate(mod, SECRET)
    client = signed_in(mod)
    for url in MODERATION_PAGES:
        assert client.get(url).status_code == 200, url


def test_superusers_are_asked_for_two_factor_on_moderation_pages_too(settings, root):
    settings.STAFF_REQUIRE_TWO_FACTOR = True
    assert signed_in(root).get("/moderation/")["Location"] == "/accounts/2fa/"


def test_members_are_never_asked_for_two_factor(settings, post):
    settings.STAFF_REQUIRE_TWO_FACTOR = True
    member = signed_in(UserFactory(username="member"))
    assert member.get("/moderation/").status_code == 403
    assert member.get(f"/report/post/{post.pk}/").status_code == 200


def test_one_check_for_staff_and_moderators(settings, mod, root):
    member, staff = UserFactory(), UserFactory(is_staff=True)
    settings.STAFF_REQUIRE_TWO_FACTOR = False
    assert not any(needs_two_factor(u) for u in (member, staff, mod, root))
    settings.STAFF_REQUIRE_TWO_FACTOR = True
    assert [needs_two_factor(u) for u in (member, staff, mod, root)] == [False, True, True, True]
    TOTP.activate(mod, SECRET)
    assert not needs_two_factor(mod)


# --- Suspend asks first -----------------------------------------------------------------------


def test_suspend_in_the_queue_is_a_quiet_link_to_a_confirmation(mod, bob, post):
    Report.objects.create(reporter=UserFactory(), post=post, reason="spam")
    client = signed_in(mod)
    html = client.get("/moderation/").content.decode()
    assert 'value="suspend"' not in html  # no button that suspends
    link = f'href="/moderation/suspend/post/{post.pk}/"'
    assert link in html
    assert html.index(">Dismiss<") < html.index(link)
    assert html.index('value="remove"') < html.index(link)
    assert "btn-danger" not in html[html.index("<form") : html.index("</form>")]
    page = client.get(f"/moderation/suspend/post/{post.pk}/").content.decode()
    for consequence in ("logs them out everywhere",
                        "hides their posts, comments, messages and profile",
                        "refuses their login", 'href="/moderation/suspended/"'):  # fmt: skip
        assert consequence in page
    bob.refresh_from_db()
    assert bob.is_active  # looking is not suspending


def test_the_queues_old_one_click_suspend_suspends_nobody(mod, bob, post):
    Report.objects.create(reporter=UserFactory(), post=post, reason="spam")
    client = signed_in(mod)
    response = client.post("/moderation/act/", {"kind": "post", "pk": post.pk,
                                                "action": "suspend", "reason": "Spam"})  # fmt: skip
    assert "Select a valid choice" in client.get(response["Location"]).content.decode()
    bob.refresh_from_db()
    assert bob.is_active
    assert not AuditEntry.objects.exists()


def test_the_confirmation_needs_a_reason_then_suspends(mod, bob, post):
    client = signed_in(mod)
    url = f"/moderation/suspend/post/{post.pk}/"
    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 400
    assert "This field is required" in refused.content.decode()
    bob.refresh_from_db()
    assert bob.is_active
    response = client.post(url, {"reason": "Spammer", "page": "2"})
    assert response["Location"] == "/moderation/?page=2"
    bob.refresh_from_db()
    assert not bob.is_active
    assert AuditEntry.objects.get().action == "suspend"
    again = client.get(url).content.decode()
    assert "This member is already suspended." in again
    assert 'name="reason"' not in again


def test_the_confirmation_page_costs_a_few_queries(mod, post, django_assert_max_num_queries):
    client = signed_in(mod)
    # Session, user, the permission (two), the post and its tags, the menu's question, the
    # unread count and the avatar.
    with django_assert_max_num_queries(9):
        assert client.get(f"/moderation/suspend/post/{post.pk}/").status_code == 200


def test_a_moderator_cannot_confirm_a_suspension_of_another_moderator(mod):
    other = make_moderator("other")
    response = signed_in(mod).post(f"/moderation/suspend/profile/{other.pk}/",
                                   {"reason": "Rival"})  # fmt: skip
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.is_active
    assert not AuditEntry.objects.exists()


# --- The menu ---------------------------------------------------------------------------------


def test_the_menu_leads_a_moderator_who_is_not_staff_to_the_queue(mod):
    assert 'href="/moderation/"' in signed_in(mod).get("/").content.decode()


def test_the_menu_offers_members_and_staff_without_the_permission_no_moderation():
    for user in (UserFactory(), UserFactory(is_staff=True)):
        assert 'href="/moderation/"' not in signed_in(user).get("/").content.decode()
    assert 'href="/moderation/"' not in Client().get("/").content.decode()


def test_the_menus_question_costs_one_query_and_none_for_visitors(
    mod, django_assert_max_num_queries
):
    PostFactory.create_batch(3)
    member = signed_in(UserFactory())
    member.get("/pow/challenge/")  # the once-a-minute presence touch
    with django_assert_max_num_queries(17):
        assert member.get("/").status_code == 200
    Client().get("/")  # the visitors' panel counts members and posts once a minute
    with django_assert_max_num_queries(4):
        assert Client().get("/").status_code == 200


# --- A report is sent once --------------------------------------------------------------------


def test_a_report_redirects_to_its_thanks_and_reloading_sends_nothing(bob, post):
    client = signed_in(UserFactory(username="alice"))
    response = client.post(f"/report/post/{post.pk}/", {"reason": "spam"})
    assert response.status_code in (302, 303)
    assert response["Location"] == f"/report/post/{post.pk}/sent/"
    for _ in range(2):  # the thanks, then a reload of it
        thanks = client.get(response["Location"])
        assert thanks.status_code == 200
        assert "your report was sent" in thanks.content.decode()
    assert Report.objects.count() == 1


def test_the_page_after_a_report_is_a_get(bob, post):
    client = signed_in(UserFactory(username="alice"))
    response = client.post(f"/report/post/{post.pk}/", {"reason": "spam"}, follow=True)
    assert response.request["REQUEST_METHOD"] == "GET"
    assert "your report was sent" in response.content.decode()


def test_the_thanks_without_a_report_is_the_form(bob, post):
    client = signed_in(UserFactory(username="alice"))
    assert client.get(f"/report/post/{post.pk}/sent/")["Location"] == f"/report/post/{post.pk}/"
    assert Client().get(f"/report/post/{post.pk}/sent/").status_code == 302  # to log in
    assert client.get("/report/post/999999/sent/").status_code == 404


def test_the_thanks_costs_a_few_queries(bob, post, django_assert_max_num_queries):
    client = signed_in(UserFactory(username="alice"))
    client.post(f"/report/post/{post.pk}/", {"reason": "spam"})
    # The post as the reader may see it (blocks, tags, mentions, like, follow), the report,
    # and what every signed-in page asks.
    with django_assert_max_num_queries(12):
        assert client.get(f"/report/post/{post.pk}/sent/").status_code == 200
