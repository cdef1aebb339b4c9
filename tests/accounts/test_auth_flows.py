"""Signup, verification, login by email or username, logout, reset: through allauth's real URLs."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from apps.profiles.models import Profile
from tests.factories import PASSWORD, UserFactory
from tests.proof_of_work import signup_data

pytestmark = pytest.mark.django_db
User = get_user_model()


def signup(client, **overrides):
    return client.post("/accounts/signup/", signup_data(client, **overrides))


def link_in_last_mail() -> str:
    match = re.search(r"https?://testserver(/accounts/[^\s]+)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_signup_sends_a_verification_mail_and_creates_user_with_profile(client):
    response = signup(client)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(username="newbie")
    assert Profile.objects.filter(user=user).exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["newbie@example.com"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_unverified_user_cannot_log_in_until_the_link_is_followed(client):
    signup(client)
    client.logout()
    response = client.post("/accounts/login/", {"login": "newbie", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session

    confirm = link_in_last_mail()
    assert client.get(confirm).status_code == 200  # GET shows a button; it changes nothing
    response = client.post(confirm)
    assert response.status_code == 302
    assert User.objects.get(username="newbie").emailaddress_set.get().verified


def test_verified_user_logs_in_by_email_and_by_username(client, user):
    response = client.post("/accounts/login/", {"login": "ALICE@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(user.pk)

    other = Client()
    response = other.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert other.session["_auth_user_id"] == str(user.pk)


def test_login_marks_the_user_online_and_logout_marks_them_offline(client, user):
    assert not Profile.objects.get(user=user).is_online
    client.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    profile = Profile.objects.get(user=user)
    assert profile.is_online
    assert profile.last_seen is not None

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert not Profile.objects.get(user=user).is_online


def test_logout_by_get_only_asks_for_confirmation(client, user):
    client.force_login(user)
    response = client.get("/accounts/logout/")
    assert response.status_code == 200
    assert "_auth_user_id" in client.session


def test_wrong_password_and_unknown_user_get_the_same_message(client, user):
    wrong = client.post("/accounts/login/", {"login": "alice", "password": "nope-nope-nope"})
    unknown = client.post("/accounts/login/", {"login": "nobody", "password": "nope-nope-nope"})
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "The username and/or password you specified are not correct." in (
            response.content.decode().replace("&#x27;", "'")
        )
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("username", "Alice", "A user with that username already exists."),
        ("username", "admin", "This username is reserved."),
        ("username", "\uff53\uff55\uff50\uff50\uff4f\uff52\uff54", "This username is reserved."),
        ("username", "\uff21\uff2c\uff29\uff23\uff25", "A user with that username already"),
        ("username", "ivan.petrov", "English letters, digits and underscores"),
        ("password1", "12345678", "This password is too common."),
        ("email", "not-an-email", "Enter a valid email address."),
    ],
)
def test_signup_refuses_bad_input_with_a_clear_message(client, user, field, value, message):
    data = {field: value}
    if field == "password1":
        data["password2"] = value
    response = signup(client, **data)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not User.objects.filter(username="newbie").exists()
    assert User.objects.count() == 1


def test_signup_with_a_taken_email_creates_nothing_and_reveals_nothing(client, user):
    """allauth answers as for a new account (no enumeration) and tells the owner by mail."""
    response = signup(client, email="ALICE@example.com")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert not User.objects.filter(username="newbie").exists()
    assert mail.outbox[-1].to == ["alice@example.com"]
    assert "already" in mail.outbox[-1].body


def test_signup_refuses_mismatched_passwords(client):
    response = signup(client, password2="something-else-entirely")
    assert response.status_code == 200
    assert "You must type the same password each time." in response.content.decode()
    assert not User.objects.exists()


def test_login_never_redirects_to_another_site(client, user):
    response = client.post(
        "/accounts/login/?next=https://evil.example/steal",
        {"login": "alice", "password": PASSWORD, "next": "https://evil.example/steal"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_follows_a_local_next(client, user):
    response = client.post(
        "/accounts/login/", {"login": "alice", "password": PASSWORD, "next": "/u/alice/"}
    )
    assert response["Location"] == "/u/alice/"


def test_login_without_csrf_token_is_refused(user):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_eleventh_failed_login_in_a_minute_is_refused(client, user):
    for attempt in range(10):
        response = client.post(
            "/accounts/login/", {"login": f"guess{attempt}", "password": "wrong-password"}
        )
        assert response.status_code == 200
    response = client.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_for_one_account_lock_it_for_a_while(client, user):
    for _ in range(5):
        client.post("/accounts/login/", {"login": "alice", "password": "wrong-password"})
    response = client.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_password_reset_by_email_sets_a_new_password(client, user):
    response = client.post("/accounts/password/reset/", {"email": "alice@example.com"})
    assert response.status_code == 302
    reset_link = link_in_last_mail()
    response = client.get(reset_link)
    assert response.status_code == 302  # allauth moves the key into the session
    form_url = response["Location"]
    new_password = "another-long-password-77"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_password_reset_for_an_unknown_address_reveals_nothing(client, user):
    response = client.post("/accounts/password/reset/", {"email": "ghost@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"


def test_changing_email_keeps_user_email_equal_to_the_verified_primary(client, user):
    client.force_login(user)
    response = client.post("/accounts/email/", {"action_add": "", "email": "alice.new@example.com"})
    # Sensitive change: allauth asks for the password again first.
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    client.get(response["Location"])  # allauth replays the pending email change
    assert User.objects.get(pk=user.pk).email == "alice@example.com"

    client.post(link_in_last_mail())
    user.refresh_from_db()
    assert user.email == "alice.new@example.com"
    primary = user.emailaddress_set.get(primary=True)
    assert primary.email == user.email
    assert primary.verified
    assert user.emailaddress_set.count() == 1


def test_login_page_shows_no_social_buttons_when_none_are_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    html = client.get("/accounts/login/").content.decode()
    assert "Continue with" not in html


def test_login_page_shows_a_button_for_each_configured_provider(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "github": {"APPS": [{"client_id": "id", "secret": "secret"}]},
    }
    html = client.get("/accounts/login/").content.decode()
    assert "Continue with GitHub" in html
    assert "Continue with Google" not in html


def test_signup_page_is_styled_with_the_site_layout(client):
    html = client.get("/accounts/signup/").content.decode()
    assert "ETERNITY" in html
    assert "form-control" in html
    assert 'for="id_username"' in html


def test_user_factory_makes_members_that_can_log_in():
    member = UserFactory()
    assert member.check_password(PASSWORD)
