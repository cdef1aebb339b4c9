"""Two-factor and passkeys in Chromium: an authenticator-app code computed in the test, a
recovery code, and a passkey registered and used through Chromium's virtual authenticator."""

from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail

from tests.factories import PASSWORD, UserFactory
from tests.two_factor import totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def sign_in_with_password(page, login="alice"):
    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()


def wait_for_feed(page):
    page.wait_for_url(lambda url: urlsplit(url).path == "/")


def sign_out(page):
    page.goto("/accounts/logout/")
    page.get_by_role("button", name="Sign Out").click()
    wait_for_feed(page)


@pytest.fixture
def alice_with_two_factor(db):
    alice = UserFactory(username="alice")
    TOTP.activate(alice, SECRET)  # setup: the activation flow is tested in tests/accounts
    codes = RecoveryCodes.activate(alice).get_unused_codes()
    return alice, codes


def test_an_authenticator_app_code_completes_the_sign_in(page, alice_with_two_factor):
    sign_in_with_password(page)
    page.get_by_role("heading", name="Two-Factor Authentication").wait_for()
    assert page.url.endswith("/accounts/2fa/authenticate/")  # not signed in yet
    page.get_by_label("Code").fill("000000" if totp_code(SECRET) != "000000" else "111111")
    page.get_by_role("button", name="Sign In").click()
    page.locator("[data-error-summary]").get_by_text("Incorrect code.").wait_for()

    page.get_by_label("Code").fill(totp_code(SECRET))
    page.get_by_role("button", name="Sign In").click()
    wait_for_feed(page)
    page.goto("/accounts/sessions/")
    assert page.locator("[data-signed-in-with]").inner_text() == ("Password + authenticator app")
    assert page.health.console_errors == []


def test_the_code_step_is_focused_on_the_code_and_offers_no_key_to_a_member_without_one(
    page, alice_with_two_factor
):
    from .conftest import assert_accessible, focused, shoot

    sign_in_with_password(page)
    page.get_by_role("heading", name="Two-Factor Authentication").wait_for()
    assert focused(page) == "code"
    assert page.get_by_text("recovery codes", exact=False).first.is_visible()
    assert page.get_by_role("button", name="Use a security key").count() == 0
    assert_accessible(page)
    shoot(page, "two-factor-step")


def test_a_recovery_code_signs_in_once(page, alice_with_two_factor):
    _alice, codes = alice_with_two_factor
    sign_in_with_password(page)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign In").click()
    wait_for_feed(page)
    page.goto("/accounts/sessions/")
    assert page.locator("[data-signed-in-with]").inner_text() == "Password + recovery code"

    sign_out(page)
    sign_in_with_password(page)
    page.get_by_label("Code").fill(codes[0])  # used: refused
    page.get_by_role("button", name="Sign In").click()
    page.locator("[data-error-summary]").get_by_text("Incorrect code.").wait_for()


def test_a_passkey_is_added_then_signs_in_on_its_own(context, page):
    UserFactory(username="alice")
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }})["authenticatorId"]  # fmt: skip

    sign_in_with_password(page)
    wait_for_feed(page)
    page.goto("/accounts/2fa/")
    page.get_by_role("link", name="Add").click()  # adding a key asks for the password again
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_label("Name").fill("Laptop")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert [c["rpId"] for c in credentials["credentials"]] == ["localhost"]
    key = Authenticator.objects.get(user__username="alice", type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Laptop"
    assert key.wrap().is_passwordless

    sign_out(page)
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    wait_for_feed(page)
    page.goto("/accounts/sessions/")
    assert page.locator("[data-signed-in-with]").inner_text() == "Passkey"
    assert page.health.console_errors == []


def test_an_authenticator_app_is_switched_on_from_the_account_page(page):
    UserFactory(username="alice")
    sign_in_with_password(page)
    wait_for_feed(page)
    page.goto("/settings/account/")
    page.get_by_role("link", name="Two-factor authentication and passkeys").click()
    page.get_by_role("link", name="Activate").click()
    page.get_by_label("Password").fill(PASSWORD)  # asked again before any change
    page.get_by_role("button", name="Confirm").click()
    qr = page.locator("main img")
    qr.wait_for()
    assert qr.evaluate("image => image.naturalWidth") > 0  # the QR code drew (CSP allows it)
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(lambda url: "/totp/activate/" not in url)
    activated = [m for m in mail.outbox if "Authenticator App Activated" in m.subject]
    assert [m.to for m in activated] == [["alice@example.com"]]  # the owner is told by email
    page.goto("/settings/account/")
    link = page.get_by_role("link", name="Two-factor authentication and passkeys")
    assert "On" in link.inner_text()
    assert page.health.console_errors == []
