"""Who may sign up: open, approval, invitation only or closed, as the operator sets it in the
admin, through the real signup pages (a provider's signup included)."""

import re
import threading

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts import selectors, services
from apps.accounts.models import Application, Invitation, SignupPolicy
from apps.membership.services import delete_account
from tests.accounts.modes import QUESTION, invitation, set_mode
from tests.accounts.test_social_login import (  # noqa: F401
    log_in_through_provider,
    oidc_configured,
    oidc_server,
)
from tests.factories import PASSWORD, UserFactory
from tests.proof_of_work import sign_up

pytestmark = pytest.mark.django_db
User = get_user_model()


def page(client: Client, path: str = "/accounts/signup/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


# --- Open -----------------------------------------------------------------------------------


def test_without_a_policy_the_setting_decides_and_open_is_the_default(client, settings):
    assert selectors.signup_policy().mode == "open"
    html = page(client)
    assert "Moderators accept each new account" not in html
    assert sign_up(client).status_code == 302
    assert User.objects.get(username="newbie").is_active


def test_the_setting_gives_the_mode_until_an_operator_saves_one(client, settings):
    settings.REGISTRATION_MODE = "closed"
    selectors.forget_signup_policy()
    assert "This site does not take new members" in page(client)
    set_mode("open")
    assert "This site does not take new members" not in page(client)


# --- Closed ---------------------------------------------------------------------------------


def test_closed_signup_says_so_and_a_post_creates_nothing(client):
    set_mode("closed")
    html = page(client)
    assert "Sign Up Closed" in html
    assert "This site does not take new members at the moment." in html
    assert 'name="password1"' not in html
    response = sign_up(client)
    assert response.status_code == 200
    assert not User.objects.exists()
    assert not mail.outbox


def test_a_change_in_the_admin_takes_effect_at_once(client):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(root)
    assert 'name="password1"' in page(client)  # cached now
    response = admin.post("/admin/accounts/signuppolicy/add/", {"mode": "closed", "question": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "Sign Up Closed" in page(client)
    response = admin.post("/admin/accounts/signuppolicy/1/change/",
                          {"mode": "approval", "question": QUESTION})  # fmt: skip
    assert response.status_code == 302
    assert QUESTION in page(client)
    assert SignupPolicy.objects.count() == 1


def test_revoking_invitations_in_the_admin_stops_them_and_is_recorded(client, user):
    set_mode("invitation")
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(root)
    live, gone = invitation(user, max_uses=2), invitation(user, max_uses=2)
    services.revoke_invitation(invitation=gone)
    response = admin.post("/admin/accounts/invitation/",
                          {"action": "revoke", "_selected_action": [live.pk, gone.pk]},
                          follow=True)  # fmt: skip
    assert "1 invitation revoked." in response.content.decode()
    assert client.get(f"/invite/{live.token}/").status_code == 410
    history = LogEntry.objects.get()  # only the link this action revoked
    assert (history.user, history.object_id) == (root, str(live.pk))
    assert history.get_change_message() == "Changed revoked."
    response = admin.get(f"/admin/accounts/invitation/{live.pk}/history/")
    assert "root" in response.content.decode()


def test_the_admin_refuses_approval_mode_without_a_question():
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(root)
    response = admin.post("/admin/accounts/signuppolicy/add/", {"mode": "approval", "question": ""})
    assert response.status_code == 200
    assert "applicants answer a question" in response.content.decode()
    assert not SignupPolicy.objects.exists()


def test_the_policy_is_read_from_the_cache_not_the_table_while_it_holds():
    set_mode("invitation")
    selectors.signup_policy()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert selectors.signup_policy().mode == "invitation"
    assert not [q for q in queries.captured_queries if "accounts_signuppolicy" in q["sql"]]
    assert len(queries) <= 5  # the database cache's own reads; none with Redis


# --- Invitation only ------------------------------------------------------------------------


def test_invitation_only_without_a_link_explains_how_to_get_one_and_creates_nothing(client):
    set_mode("invitation")
    html = page(client)
    assert "Invitation only" in html
    assert "Ask a member for an invitation link" in html
    sign_up(client)
    assert not User.objects.exists()


def test_an_invitation_link_leads_to_signup_and_counts_one_use(client, user):
    set_mode("invitation")
    link = invitation(user, max_uses=2)
    response = client.get(f"/invite/{link.token}/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/"
    html = page(client)
    assert "You were invited by @alice" in html
    response = sign_up(client)
    assert response.status_code == 302
    newbie = User.objects.get(username="newbie")
    assert newbie.is_active
    assert newbie.invitation == link
    link.refresh_from_db()
    assert link.uses == 1
    assert selectors.INVITATION_SESSION_KEY not in client.session


@pytest.mark.parametrize(
    ("fields", "status", "told"),
    [
        ({"days": -1}, 410, "This invitation has expired"),
        ({"max_uses": 1, "uses": 1}, 410, "used as many times as it allows"),
        ({"revoked": timezone.now()}, 410, "withdrawn by the member who made it"),
    ],
)  # fmt: skip
def test_a_link_that_no_longer_works_says_why_and_lets_nobody_in(
    client, user, fields, status, told
):
    set_mode("invitation")
    link = invitation(user, **fields)
    response = client.get(f"/invite/{link.token}/")
    assert response.status_code == status
    assert told in response.content.decode()
    assert "Invitation only" in page(client)
    sign_up(client)
    assert not User.objects.filter(username="newbie").exists()


@pytest.mark.parametrize("token", ["nothing-like-it", "x" * 300, "%00", "ä"])
def test_an_unknown_link_is_a_clear_404(client, token):
    set_mode("invitation")
    response = client.get(f"/invite/{token}/")
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()


def test_a_link_used_up_while_the_form_was_filled_in_creates_nothing(client, user):
    set_mode("invitation")
    link = invitation(user, max_uses=1)
    other = Client()
    other.get(f"/invite/{link.token}/")
    client.get(f"/invite/{link.token}/")
    assert "You were invited by @alice" in page(client)
    assert sign_up(other, email="first@example.com", username="first").status_code == 302
    response = sign_up(client)
    assert response.status_code == 200  # the page now says signup needs a link
    assert "Invitation only" in response.content.decode()
    assert list(User.objects.filter(invitation=link).values_list("username", flat=True)) == [
        "first"
    ]


def test_of_two_signups_racing_for_the_last_use_only_one_wins(user):
    set_mode("invitation")
    link = invitation(user, max_uses=1)
    first, second = Invitation.objects.get(pk=link.pk), Invitation.objects.get(pk=link.pk)
    policy = selectors.signup_policy()
    one = User(username="one", email="one@example.com")
    two = User(username="two", email="two@example.com")
    services.admit(user=one, save=one.save, policy=policy, invitation=first)
    with pytest.raises(services.InvitationUnusable):
        services.admit(user=two, save=two.save, policy=policy, invitation=second)
    assert list(User.objects.filter(invitation=link).values_list("username", flat=True)) == ["one"]
    assert Invitation.objects.get(pk=link.pk).uses == 1


def test_a_signed_in_member_opening_a_link_uses_nothing(client, user):
    link = invitation(UserFactory(username="carol"))
    client.force_login(user)
    response = client.get(f"/invite/{link.token}/")
    assert "You are signed in already" in response.content.decode()
    assert selectors.INVITATION_SESSION_KEY not in client.session


def test_deleting_an_inviter_keeps_the_accounts_they_invited(client, user):
    set_mode("invitation")
    link = invitation(user)
    client.get(f"/invite/{link.token}/")
    sign_up(client)
    delete_account(user=user)
    assert not Invitation.objects.exists()
    newbie = User.objects.get(username="newbie")
    assert newbie.invitation is None
    assert newbie.is_active


# --- Approval -------------------------------------------------------------------------------


def test_approval_mode_explains_the_wait_and_asks_the_question(client):
    set_mode("approval")
    html = page(client)
    assert "Moderators accept each new account." in html
    assert QUESTION in html
    assert 'name="answer"' in html


def test_approval_mode_needs_an_answer(client):
    set_mode("approval")
    response = sign_up(client)
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not User.objects.exists()


def test_an_applicant_waits_inactive_with_their_answer_and_confirms_their_address(client):
    set_mode("approval")
    response = sign_up(client, answer="I write about trains.")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/waiting/"
    assert "Your application is waiting" in page(client, response["Location"])
    assert "_auth_user_id" not in client.session
    applicant = User.objects.get(username="newbie")
    assert not applicant.is_active
    application = selectors.pending_application(applicant)
    assert (application.answer, application.question) == ("I write about trains.", QUESTION)
    # One mail: the link to confirm the address just typed.
    [message] = mail.outbox
    assert message.to == ["newbie@example.com"]
    confirm = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+)", message.body)
    response = client.post(confirm.group(1))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/waiting/"
    assert EmailAddress.objects.get(user=applicant).verified
    assert not User.objects.get(pk=applicant.pk).is_active


def test_an_applicant_cannot_log_in_while_they_wait(client):
    set_mode("approval")
    sign_up(client, answer="Hello")
    EmailAddress.objects.update(verified=True)
    Client().post("/accounts/login/", {"login": "newbie", "password": PASSWORD})
    browser = Client()
    browser.post("/accounts/login/", {"login": "newbie", "password": PASSWORD})
    assert "_auth_user_id" not in browser.session


def test_an_address_that_has_an_account_files_no_application(client, user):
    set_mode("approval")
    sign_up(client, email=user.email, answer="Hi")
    assert not Application.objects.exists()
    assert User.objects.count() == 1


def test_an_old_application_survives_a_switch_back_to_open(client):
    set_mode("approval")
    sign_up(client, answer="Hi")
    set_mode("open")
    assert 'name="answer"' not in page(Client())
    assert selectors.pending_application(User.objects.get(username="newbie"))


def test_signup_pages_read_the_mode_in_few_queries(client, django_assert_max_num_queries):
    set_mode("approval")
    page(client)
    with django_assert_max_num_queries(4):
        page(client)


# --- A provider's signup follows the same mode ------------------------------------------------


def test_closed_refuses_a_signup_through_a_provider(client, oidc_configured):  # noqa: F811
    set_mode("closed")
    response = log_in_through_provider(client, "grace-sub")
    assert "Sign Up Closed" in response.content.decode()
    assert not User.objects.exists()


def test_invitation_only_refuses_a_provider_signup_without_a_link(client, oidc_configured):  # noqa: F811
    set_mode("invitation")
    response = log_in_through_provider(client, "grace-sub")
    assert "Invitation only" in response.content.decode()
    assert not User.objects.exists()


def test_invitation_only_lets_a_provider_signup_in_with_a_link(client, user, oidc_configured):  # noqa: F811
    set_mode("invitation")
    link = invitation(user)
    client.get(f"/invite/{link.token}/")
    response = log_in_through_provider(client, "grace-sub")
    assert response.status_code == 302
    grace = User.objects.get(email="grace@example.org")
    assert grace.is_active
    assert grace.invitation == link
    link.refresh_from_db()
    assert link.uses == 1


def test_approval_asks_a_provider_applicant_the_question_and_makes_them_wait(
    client,
    oidc_configured,  # noqa: F811
):
    set_mode("approval")
    response = log_in_through_provider(client, "grace-sub")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/3rdparty/signup/"
    html = page(client, "/accounts/3rdparty/signup/")
    assert QUESTION in html
    assert "Moderators accept each new account." in html
    refused = client.post("/accounts/3rdparty/signup/",
                          {"email": "grace@example.org", "username": "grace"})  # fmt: skip
    assert refused.status_code == 200
    assert not User.objects.exists()
    response = client.post("/accounts/3rdparty/signup/", {"email": "grace@example.org",
                           "username": "grace", "answer": "Compilers"})  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/waiting/"
    grace = User.objects.get(username="grace")
    assert not grace.is_active
    assert selectors.pending_application(grace).answer == "Compilers"
    assert "_auth_user_id" not in client.session


# --- The member's data ----------------------------------------------------------------------


def test_the_export_holds_the_invitations_and_the_application(client, user):
    set_mode("approval")
    invitation(user, max_uses=3)
    sign_up(client, answer="Trains")
    mine = selectors.member_export(user=user).data
    assert [(i["max_uses"], i["uses"]) for i in mine["invitations"]] == [(3, 0)]
    theirs = selectors.member_export(user=User.objects.get(username="newbie")).data
    assert theirs["application"][0]["answer"] == "Trains"
    assert theirs["application"][0]["status"] == "pending"


def test_deleting_an_applicant_deletes_the_application(client):
    set_mode("approval")
    sign_up(client, answer="Trains")
    delete_account(user=User.objects.get(username="newbie"))
    assert not Application.objects.exists()


def test_a_suspended_members_links_stop_working(client, user):
    set_mode("invitation")
    link = invitation(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(f"/invite/{link.token}/")
    assert response.status_code == 410
    assert "This invitation no longer works" in response.content.decode()
    assert "Invitation only" in page(client)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="true concurrency: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_signups_at_the_same_moment_for_the_last_use_admit_one(user):
    link = invitation(user, max_uses=1)
    policy = SignupPolicy(mode="invitation")
    start = threading.Barrier(2)
    admitted = []

    def attempt(name: str) -> None:
        try:
            mine = Invitation.objects.select_related("created_by").get(pk=link.pk)
            member = User(username=name, email=f"{name}@example.com")
            start.wait()
            services.admit(user=member, save=member.save, policy=policy, invitation=mine)
            admitted.append(name)
        except services.InvitationUnusable:
            pass
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(admitted) == 1
    assert User.objects.filter(invitation=link).count() == 1
    assert Invitation.objects.get(pk=link.pk).uses == 1


def test_closed_signup_still_lets_members_sign_in_through_their_provider(
    client,
    oidc_configured,  # noqa: F811
):
    log_in_through_provider(client, "grace-sub")
    client.post("/accounts/logout/")
    set_mode("closed")
    response = log_in_through_provider(client, "grace-sub")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(username="grace").pk)


def test_no_answer_an_applicant_types_gives_a_500(settings):
    from tests.core.test_fuzz import NASTY

    settings.ACCOUNT_RATE_LIMITS = False
    set_mode("approval")
    client = Client(raise_request_exception=False)
    for n, value in enumerate(NASTY):
        response = sign_up(client, username=f"fuzz{n}", email=f"fuzz{n}@example.com", answer=value)
        assert response.status_code < 500, repr(value[:20])
    answers = Application.objects.values_list("answer", flat=True)
    assert not any("\x00" in answer for answer in answers)
