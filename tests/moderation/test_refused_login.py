"""The right password of an account that may not log in (suspended, closed by an operator)
answers exactly like a wrong one: same page, same error, same count against the login limit,
one password hash. The suspended member learns why from their own mailbox, at most once an
hour; a login through a provider meets a page that says no more than that the account cannot
log in."""

import re
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client
from django.utils import timezone

from apps.accounts.signals import login_refused
from apps.moderation import services
from apps.moderation.models import Suspension
from tests.accounts.test_social_login import (  # noqa: F401 (fixtures)
    log_in_through_provider,
    oidc_configured,
    oidc_server,
)
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-at-all"
MISMATCH = "The username and/or password you specified are not correct."


@pytest.fixture
def suspended(mod, bob):
    services.suspend(moderator=mod, member=bob, reason="Spam from a bot", thing=None)
    mail.outbox.clear()
    return bob


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run the callbacks (the queued mail) of what happens inside the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def sign_in(login: str, password: str):
    return Client().post("/accounts/login/", {"login": login, "password": password})


def normalised(response) -> tuple:
    """What a browser gets, less what differs on every response anyway (the CSRF token, the
    CSP nonce, the request id, the clock in Expires)."""
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", body)
    body = re.sub(r'"X-CSRFToken": "[^"]+"', "TOKEN", body)
    body = re.sub(r'nonce="[^"]+"', "NONCE", body)
    headers = {k: v for k, v in response.headers.items() if k not in ("X-Request-ID", "Expires")}
    headers["Content-Security-Policy"] = re.sub(
        r"'nonce-[^']+'", "NONCE", headers.get("Content-Security-Policy", "")
    )
    cookies = sorted((name, morsel["path"]) for name, morsel in response.cookies.items())
    return response.status_code, headers, cookies, body


def test_the_right_password_of_a_suspended_account_answers_like_a_wrong_one(suspended):
    right, wrong = sign_in("bob", PASSWORD), sign_in("bob", WRONG)
    assert right.status_code == 200
    assert MISMATCH in right.content.decode()
    assert normalised(right) == normalised(wrong)
    assert "Spam from a bot" not in right.content.decode()


def test_by_address_too_the_right_password_answers_like_a_wrong_one(suspended):
    right, wrong = sign_in("bob@example.com", PASSWORD), sign_in("bob@example.com", WRONG)
    assert normalised(right) == normalised(wrong)


def test_with_two_factor_on_the_right_password_still_answers_like_a_wrong_one(suspended):
    TOTP.activate(suspended, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    right, wrong = sign_in("bob", PASSWORD), sign_in("bob", WRONG)
    assert normalised(right) == normalised(wrong)
    assert MISMATCH in right.content.decode()  # not the page asking for the code


def test_the_right_password_of_a_suspended_account_counts_against_the_login_limit(suspended):
    # ACCOUNT_RATE_LIMITS: five failures per account in five minutes.
    answers = [sign_in("bob", PASSWORD).content.decode() for _ in range(6)]
    assert all(MISMATCH in answer for answer in answers[:5])
    assert "Too many failed login attempts" in answers[5]


def test_a_refused_password_costs_one_hash_like_a_wrong_one(suspended):
    def hashes(password: str) -> int:
        # Checking a password and hashing one for show both end in encode().
        with mock.patch.object(MD5PasswordHasher, "encode", autospec=True,
                               side_effect=MD5PasswordHasher.encode) as encode:  # fmt: skip
            sign_in("bob", password)
        return encode.call_count

    assert hashes(PASSWORD) == hashes(WRONG) == 1


def test_the_member_is_mailed_why_with_a_fresh_appeal_link_at_most_once_an_hour(suspended, sent):
    with sent():
        for _ in range(3):
            sign_in("bob", PASSWORD)
    [message] = mail.outbox
    assert message.to == ["bob@example.com"]
    assert message.subject == "[Eternity] Login refused: your account is suspended"
    assert "Someone just tried to log in to your account" in message.body
    assert "Why: Spam from a bot" in message.body
    link = re.search(r"you can appeal: \S*?(/appeal/[^/\s]+/)", message.body).group(1)
    assert "Spam from a bot" in Client().get(link).content.decode()

    with time_machine.travel(timezone.now() + timedelta(minutes=61)), sent():
        sign_in("bob", PASSWORD)
    assert len(mail.outbox) == 2


def test_the_mail_is_in_the_members_language(suspended, sent):
    suspended.language = "ru"
    suspended.save(update_fields=["language"])
    with sent():
        sign_in("bob", PASSWORD)
    [message] = mail.outbox
    assert "Причина: Spam from a bot" in message.body


def test_a_wrong_password_mails_nobody(suspended, sent):
    with sent():
        sign_in("bob", WRONG)
    assert mail.outbox == []
    assert Suspension.objects.get(member=suspended).reminded is None


def test_an_account_an_operator_closed_answers_like_a_wrong_password_and_mails_nobody(sent):
    closed = UserFactory(username="carol", is_active=False)
    heard = []

    def record(sender, user, request, **kwargs):
        heard.append(user.username)

    login_refused.connect(record)
    try:
        with sent():
            right, wrong = sign_in("carol", PASSWORD), sign_in("carol", WRONG)
    finally:
        login_refused.disconnect(record)
    assert normalised(right) == normalised(wrong)
    assert heard == ["carol"]
    assert mail.outbox == []
    assert closed.is_active is False


@pytest.mark.usefixtures("oidc_configured")
def test_through_a_provider_a_suspended_member_sees_only_that_the_account_cannot_log_in(mod, sent):
    client = Client()
    log_in_through_provider(client, "grace-sub")
    client.post("/accounts/logout/")
    grace = UserFactory._meta.model.objects.get(username="grace")
    services.suspend(moderator=mod, member=grace, reason="Spam from a bot", thing=None)
    mail.outbox.clear()

    with sent():
        refused = log_in_through_provider(client, "grace-sub")
    assert refused["Location"] == "/accounts/inactive/"
    page = client.get("/accounts/inactive/").content.decode()
    assert "This account cannot log in" in page
    assert "Spam from a bot" not in page
    assert "/appeal/" not in page
    [message] = mail.outbox
    assert message.to == ["grace@example.org"]
    assert "Why: Spam from a bot" in message.body


def test_a_receiver_that_fails_changes_nothing_the_browser_sees(suspended, caplog):
    def broken(sender, **kwargs):
        raise RuntimeError("mail queue away")

    login_refused.connect(broken)
    try:
        right, wrong = sign_in("bob", PASSWORD), sign_in("bob", WRONG)
    finally:
        login_refused.disconnect(broken)
    assert normalised(right) == normalised(wrong)
    assert any("login_refused receiver" in r.getMessage() for r in caplog.records)
