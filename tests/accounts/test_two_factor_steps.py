"""The two-factor step at login, switching two-factor on while an email change waits for its
confirmation, and the rule that an account with two-factor takes no new address."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

from tests.factories import PASSWORD, UserFactory
from tests.two_factor import totp_code

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def at_the_code_step(username: str = "alice") -> tuple[Client, str]:
    client = Client()
    response = client.post("/accounts/login/", {"login": username, "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    return client, client.get("/accounts/2fa/authenticate/").content.decode()


def code_input(html: str) -> str:
    return re.search(r'<input[^>]*name="code"[^>]*>', html).group(0)


def test_the_code_step_focuses_the_code_and_says_a_recovery_code_works(user):
    TOTP.activate(user, SECRET)
    _client, html = at_the_code_step()
    assert "autofocus" in code_input(html)
    assert 'autocomplete="one-time-code"' in code_input(html)
    assert "recovery codes" in html


def test_the_security_key_button_is_only_for_members_with_a_key(user):
    TOTP.activate(user, SECRET)
    _client, html = at_the_code_step()
    assert "Use a security key" not in html
    assert "webauthn.js" not in html


def test_a_member_with_a_key_is_offered_it_as_a_secondary_button(user, monkeypatch):
    from allauth.mfa.base import views

    # A made-up key has no credential to ask the browser for; the page's options are not
    # what this test is about (tests/e2e/test_two_factor.py uses a real one).
    monkeypatch.setattr(views.webauthn_auth, "begin_authentication", lambda user: {})
    TOTP.activate(user, SECRET)
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN,
        data={"name": "Laptop", "credential": {}, "passwordless": False},
    )  # fmt: skip
    _client, html = at_the_code_step()
    button = re.search(r'<button[^>]*id="mfa_webauthn_authenticate"[^>]*>', html).group(0)
    assert "btn-outline-secondary" in button
    assert "btn-primary" not in button
    assert "Use a security key" in html


def test_a_recovery_code_typed_in_the_code_field_signs_in(user):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    TOTP.activate(user, SECRET)
    code = RecoveryCodes.activate(user).get_unused_codes()[0]
    client, _html = at_the_code_step()
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert client.session["_auth_user_id"] == str(user.pk)


# --- Switching two-factor on ---------------------------------------------------------------


def confirmed(client: Client, user) -> Client:
    client.force_login(user)
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    return client


def test_two_factor_is_switched_on_while_an_email_change_waits(client, user):
    EmailAddress.objects.create(user=user, email="new@example.com", verified=False)
    confirmed(client, user)
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    assert "data-two-factor-refusal" not in page.content.decode()
    response = client.post(
        "/accounts/2fa/totp/activate/", {"code": totp_code(page.context["form"].secret)}
    )
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def test_an_unproved_primary_address_is_said_in_the_page_and_nothing_is_switched_on(client):
    someone = UserFactory(username="someone", verified_email=False)
    EmailAddress.objects.create(user=someone, email=someone.email, verified=False, primary=True)
    confirmed(client, someone)
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200  # the page itself, not a redirect and a fading message
    assert "data-two-factor-refusal" in page.content.decode()
    assert "Confirm your email address first" in page.content.decode()
    response = client.post(
        "/accounts/2fa/totp/activate/", {"code": totp_code(page.context["form"].secret)}
    )
    assert response.status_code == 200
    assert "Confirm your email address first" in str(response.context["form"].errors)
    assert not Authenticator.objects.filter(user=someone).exists()


def test_a_passkey_is_refused_without_a_proved_primary_address(client):
    someone = UserFactory(username="someone", verified_email=False)
    confirmed(client, someone)
    page = client.get("/accounts/2fa/webauthn/add/")
    assert page.status_code == 200
    assert "data-two-factor-refusal" in page.content.decode()
    response = client.post("/accounts/2fa/webauthn/add/", {"name": "Key", "credential": "{}"})
    assert "Confirm your email address first" in response.content.decode()
    assert not Authenticator.objects.filter(user=someone).exists()


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/accounts/email/", {"email": "new@example.com", "action_add": ""}),
        (
            "/settings/profile/email/",
            {"email-email": "new@example.com", "email-password": PASSWORD},
        ),
    ],
)
def test_an_account_with_two_factor_takes_no_new_address(client, user, path, data):
    """Confirming an address by its link signs in, which would skip the second factor."""
    TOTP.activate(user, SECRET)
    confirmed(client, user)
    response = client.post(path, data)
    assert "account protected by two-factor authentication" in response.content.decode()
    assert not EmailAddress.objects.filter(email="new@example.com").exists()
