"""The applications queue: while signup asks for approval, moderators accept or turn down each
new account; the applicant is told by email, in their language, with the reason if given."""

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from apps.accounts.models import Application
from apps.accounts.selectors import member_export
from apps.membership.tasks import delete_refused_applicants
from apps.moderation.models import AuditEntry
from tests.accounts.modes import invitation, set_mode
from tests.factories import PASSWORD, UserFactory
from tests.moderation.decisions import log_in
from tests.proof_of_work import sign_up

pytestmark = pytest.mark.django_db
User = get_user_model()
QUEUE = "/moderation/applications/"


def apply(username: str = "newbie", *, answer: str = "I write about trains.",
          confirmed: bool = True, language: str = "") -> Application:  # fmt: skip
    """Sign up through the page in approval mode, as an applicant does."""
    set_mode("approval")
    response = sign_up(Client(), username=username, email=f"{username}@example.com",
                       answer=answer)  # fmt: skip
    assert response["Location"] == "/accounts/signup/waiting/"
    mail.outbox.clear()  # the address's confirmation link
    if confirmed:
        EmailAddress.objects.filter(email=f"{username}@example.com").update(verified=True)
    User.objects.filter(username=username).update(language=language)
    return Application.objects.get(user__username=username)


def decide(client: Client, application: Application, decision: str, reason: str = ""):
    return client.post(f"{QUEUE}{application.pk}/decide/", {"decision": decision, "reason": reason})


def test_the_queue_shows_the_applicant_the_question_and_the_answer(mod):
    apply()
    html = log_in("mod").get(QUEUE).content.decode()
    assert "1 application to join waits" in html
    assert "@newbie" in html
    assert "What brings you here?" in html
    assert "I write about trains." in html
    assert "Address confirmed" in html
    assert f'href="{QUEUE}"' in log_in("mod").get("/moderation/").content.decode()


def test_accepting_activates_the_account_mails_the_applicant_and_is_audited(
    mod, django_capture_on_commit_callbacks
):
    application = apply()
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(log_in("mod"), application, "approve")
    assert response.status_code == 302
    assert User.objects.get(username="newbie").is_active
    application.refresh_from_db()
    assert (application.status, application.decided_by) == ("approved", mod)
    [message] = mail.outbox
    assert message.to == ["newbie@example.com"]
    assert message.subject == "[Eternity] Your application was accepted"
    assert "Moderators accepted your application to join Eternity" in message.body
    assert "/accounts/login/" in message.body
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.subject_name, entry.moderator_name) == ("approve", "newbie", "mod")
    # Their first day, with its stricter limits, starts when they are accepted.
    assert User.objects.get(username="newbie").date_joined == application.decided
    browser = Client()
    browser.post("/accounts/login/", {"login": "newbie", "password": PASSWORD})
    assert browser.session["_auth_user_id"] == str(application.user_id)


def test_turning_down_keeps_the_account_inactive_and_tells_the_reason_in_their_language(
    mod, django_capture_on_commit_callbacks
):
    application = apply(language="ru")
    with django_capture_on_commit_callbacks(execute=True):
        decide(log_in("mod"), application, "refuse", reason="Spam links in the answer")
    assert not User.objects.get(username="newbie").is_active
    application.refresh_from_db()
    assert (application.status, application.reason) == ("refused", "Spam links in the answer")
    [message] = mail.outbox
    assert "Причина: Spam links in the answer" in message.body
    assert "Здравствуйте" in message.body
    assert AuditEntry.objects.get().action == "refuse"
    assert "1 application" not in log_in("mod").get(QUEUE).content.decode()


def test_an_unconfirmed_address_is_not_mailed(mod, django_capture_on_commit_callbacks):
    application = apply(confirmed=False)
    assert "Address not confirmed" in log_in("mod").get(QUEUE).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        decide(log_in("mod"), application, "refuse")
    assert not mail.outbox


def test_an_application_is_decided_once(mod):
    application = apply()
    client = log_in("mod")
    decide(client, application, "approve")
    response = client.post(f"{QUEUE}{application.pk}/decide/",
                           {"decision": "refuse", "reason": "x"}, follow=True)  # fmt: skip
    assert "This application was decided already." in response.content.decode()
    assert AuditEntry.objects.count() == 1
    assert Application.objects.get().status == "approved"


def test_a_bad_decision_changes_nothing(mod):
    application = apply()
    client = log_in("mod")
    assert decide(client, application, "delete").status_code == 302
    assert client.post(f"{QUEUE}999999/decide/", {"decision": "approve"}).status_code == 404
    assert client.get(f"{QUEUE}{application.pk}/decide/").status_code == 405
    assert Application.objects.get().status == "pending"
    assert not AuditEntry.objects.exists()


def test_guests_and_members_without_the_permission_get_nothing(mod):
    application = apply()
    guest = Client().get(QUEUE)
    assert guest.status_code == 302
    assert guest["Location"].startswith("/accounts/login/")
    member = log_in(UserFactory(username="carol").username)
    assert member.get(QUEUE).status_code == 403
    assert decide(member, application, "approve").status_code == 403
    assert not User.objects.get(username="newbie").is_active
    assert not AuditEntry.objects.exists()


def test_moderators_without_two_factor_are_sent_to_switch_it_on(settings, mod):
    settings.STAFF_REQUIRE_TWO_FACTOR = True
    application = apply()
    client = log_in("mod")
    assert client.get(QUEUE)["Location"] == "/accounts/2fa/"
    assert decide(client, application, "approve")["Location"] == "/accounts/2fa/"
    assert not User.objects.get(username="newbie").is_active


def test_the_queue_costs_the_same_queries_for_many_applications(mod, django_assert_max_num_queries):
    client = log_in("mod")
    apply("first")
    with django_assert_max_num_queries(12) as few:
        assert client.get(QUEUE).status_code == 200
    one = len(few.captured_queries)
    inviter = UserFactory(username="carol")
    for n in range(6):
        application = apply(f"next{n}")
        User.objects.filter(pk=application.user_id).update(invitation=invitation(inviter))
    with django_assert_max_num_queries(one):
        html = client.get(QUEUE).content.decode()
    assert "7 applications to join wait" in html
    assert "invited by @carol" in html


def test_the_applicant_sees_the_decision_in_their_export(mod):
    application = apply()
    decide(log_in("mod"), application, "refuse", reason="Not now")
    data = member_export(user=application.user).data
    assert data["application"][0]["status"] == "refused"
    assert data["application"][0]["reason"] == "Not now"


def test_accounts_turned_down_are_deleted_after_the_days_they_are_kept(mod, settings):
    settings.REFUSED_APPLICANTS_KEPT_DAYS = 30
    refused, waiting = apply("refused"), apply("waiting")
    decide(log_in("mod"), refused, "refuse", reason="Spam")
    assert delete_refused_applicants.call() == "0 refused applicant(s) deleted"
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert delete_refused_applicants.call() == "1 refused applicant(s) deleted"
    assert list(User.objects.filter(username__in=["refused", "waiting"])
                .values_list("username", flat=True)) == ["waiting"]  # fmt: skip
    assert Application.objects.get().user_id == waiting.user_id
    assert AuditEntry.objects.get(action="refuse").subject_name == "refused"


def test_an_applicant_who_logs_in_reads_a_wrong_password_and_gets_one_mail_that_they_wait(
    django_capture_on_commit_callbacks,
):
    apply()
    wrong = Client().post("/accounts/login/", {"login": "newbie", "password": "not-it-at-all"})
    with django_capture_on_commit_callbacks(execute=True):
        browsers = [Client(), Client()]
        answers = [
            browser.post("/accounts/login/", {"login": "newbie", "password": PASSWORD})
            for browser in browsers
        ]
    mismatch = "The username and/or password you specified are not correct."
    assert mismatch in wrong.content.decode()
    for browser, answer in zip(browsers, answers, strict=True):
        assert answer.status_code == wrong.status_code
        assert mismatch in answer.content.decode()
        assert "_auth_user_id" not in browser.session
    [message] = mail.outbox  # the second refused login within the hour mails nothing
    assert message.to == ["newbie@example.com"]
    assert message.subject == "[Eternity] Your application is still waiting"
    assert "still waits for moderators" in message.body


def test_a_waiting_applicant_with_an_unconfirmed_address_is_mailed_nothing(
    django_capture_on_commit_callbacks,
):
    apply(confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/accounts/login/", {"login": "newbie", "password": PASSWORD})
    assert mail.outbox == []
