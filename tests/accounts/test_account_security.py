"""Account security: equal work for known and unknown accounts, a lockout a password reset
lifts, one door to the admin, two-factor for staff, and the two-factor flows themselves."""

import time
from urllib.parse import urlsplit

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client

from tests.factories import PASSWORD, UserFactory
from tests.proof_of_work import signup_data
from tests.two_factor import totp_code

pytestmark = pytest.mark.django_db
User = get_user_model()


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting every hash it computes (checks and new passwords alike)."""

    hashes = 0

    def encode(self, password, salt):
        CountingHasher.hashes += 1
        return super().encode(password, salt)


@pytest.fixture
def hashes(settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.test_account_security.CountingHasher"]

    def count(action) -> int:
        CountingHasher.hashes = 0
        action()
        return CountingHasher.hashes

    return count


WRONG = "a-wrong-password"


def log_in(login: str, password: str = WRONG):
    return Client().post("/accounts/login/", {"login": login, "password": password})


# --- Enumeration: the same work for known and unknown accounts ------------------------------


def test_a_failed_login_costs_the_same_for_known_and_unknown_accounts(hashes, user):
    known_email = hashes(lambda: log_in("alice@example.com"))
    unknown_email = hashes(lambda: log_in("nobody@example.com"))
    known_name = hashes(lambda: log_in("alice"))
    unknown_name = hashes(lambda: log_in("nobody"))
    assert known_email == unknown_email == known_name == unknown_name == 1


def test_a_failed_login_by_an_unverified_address_costs_one_hash_too(hashes):
    member = UserFactory(username="newcomer", verified_email=False)
    EmailAddress.objects.create(user=member, email=member.email, verified=False, primary=True)
    assert hashes(lambda: log_in(member.email)) == 1


def test_an_address_one_account_verified_signs_in_that_account_only(client):
    UserFactory(username="owner", email="shared@example.com", password="the-owners-password")
    # An operator's edit gave a second account the same User.email, never verified by it.
    UserFactory(username="other", email="shared@example.com", verified_email=False)
    response = client.post(
        "/accounts/login/", {"login": "shared@example.com", "password": PASSWORD}
    )
    assert response.status_code == 200  # the form again: the other account was not tried
    assert "_auth_user_id" not in client.session
    client.post(
        "/accounts/login/", {"login": "SHARED@example.com", "password": "the-owners-password"}
    )
    assert client.session["_auth_user_id"] == str(User.objects.get(username="owner").pk)


def test_signup_costs_the_same_for_a_new_and_a_registered_address(hashes, user):
    def signup(email, username):
        client = Client()
        data = signup_data(client, email=email, username=username)
        return lambda: client.post("/accounts/signup/", data)

    assert hashes(signup("alice@example.com", "someone")) == hashes(signup("new@example.com",
                                                                          "newcomer"))  # fmt: skip


def test_a_reset_costs_the_same_for_known_and_unknown_addresses(hashes, user):
    def reset(email):
        return lambda: Client().post("/accounts/password/reset/", {"email": email})

    assert hashes(reset("alice@example.com")) == hashes(reset("nobody@example.com"))


def test_an_email_change_costs_the_same_for_a_taken_and_a_free_address(hashes, user):
    UserFactory(username="bob")
    client = Client()
    client.force_login(user)

    def change(email):
        data = {"email-email": email, "email-password": PASSWORD}
        return lambda: client.post("/settings/profile/email/", data, headers={"HX-Request": "true"})

    assert hashes(change("bob@example.com")) == hashes(change("free@example.com")) == 1


# --- Lockouts ---------------------------------------------------------------------------------


def test_a_password_reset_lifts_the_lockout(user):
    for _ in range(5):
        log_in("alice")
    assert "Too many failed login attempts" in log_in("alice", PASSWORD).content.decode()

    client = Client()
    client.post("/accounts/password/reset/", {"email": "ALICE@example.com"})
    link = urlsplit(next(w for w in mail.outbox[-1].body.split() if "/password/reset/key/" in w))
    form_url = client.get(link.path)["Location"]
    new_password = "a-brand-new-password-58"
    client.post(form_url, {"password1": new_password, "password2": new_password})

    fresh = Client()
    fresh.post("/accounts/login/", {"login": "alice", "password": new_password})
    assert fresh.session.get("_auth_user_id") == str(user.pk)


# --- One door to the admin --------------------------------------------------------------------


@pytest.fixture
def staff():
    return UserFactory(username="operator", is_staff=True, is_superuser=True)


def test_the_admin_login_page_sends_staff_to_the_site_login(client, staff):
    response = client.get("/admin/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_guessing_at_the_admin_login_page_gets_nowhere(client, staff):
    for attempt in range(13):
        response = client.post("/admin/login/", {"username": "operator",
                                                 "password": f"guess-{attempt}"})  # fmt: skip
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    # Not even the right password opens the admin through its own form.
    client.post("/admin/login/", {"username": "operator", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_the_site_login_that_staff_use_is_throttled(client, staff):
    for _ in range(5):
        client.post("/accounts/login/?next=/admin/", {"login": "operator", "password": "nope"})
    response = client.post("/accounts/login/?next=/admin/",
                           {"login": "operator", "password": PASSWORD})  # fmt: skip
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_signed_in_on_the_site_reach_the_admin(client, staff):
    response = client.post("/accounts/login/?next=/admin/",
                           {"login": "operator", "password": PASSWORD})  # fmt: skip
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_member_who_is_not_staff_gets_a_403_not_a_loop(client, user):
    client.force_login(user)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/"])
def test_the_admin_door_never_sends_anyone_to_another_site(client, target):
    response = client.get("/admin/login/", {"next": target})
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_staff_can_be_required_to_use_two_factor(client, staff, settings):
    settings.STAFF_REQUIRE_TWO_FACTOR = True
    client.force_login(staff)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/2fa/"
    assert "Staff need two-factor authentication" in response.content.decode()

    activate_totp(client)
    assert client.get("/admin/").status_code == 200


# --- Two-factor -------------------------------------------------------------------------------


def activate_totp(client) -> str:
    """Switch on the authenticator app through the real pages; return its secret."""
    page = client.get("/accounts/2fa/totp/activate/")
    if page.status_code == 302:  # asks for the password first
        client.post(page["Location"], {"password": PASSWORD})
        page = client.get("/accounts/2fa/totp/activate/")
    secret = page.context["form"].secret
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return secret


def test_two_factor_is_switched_on_after_the_password_is_asked_again(client, user):
    window = (int(time.time()) // 30) * 30 + 1  # frozen inside one 30-second window
    with time_machine.travel(window, tick=False) as clock:
        client.force_login(user)
        page = client.get("/accounts/2fa/totp/activate/")
        assert page.status_code == 302
        assert page["Location"].startswith("/accounts/reauthenticate/")
        secret = activate_totp(client)
        assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        assert ">On</span>" in client.get("/settings/account/").content.decode()

        signing_in = Client()
        response = signing_in.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
        assert response["Location"] == "/accounts/2fa/authenticate/"
        assert "_auth_user_id" not in signing_in.session  # the password alone is not enough
        clock.shift(30)  # the next window: a new code
        code = totp_code(secret)
        signing_in.post("/accounts/2fa/authenticate/", {"code": code})
        assert signing_in.session["_auth_user_id"] == str(user.pk)

        replay = Client()  # someone who saw the code over the shoulder, in the same window
        replay.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
        replay.post("/accounts/2fa/authenticate/", {"code": code})
        assert "_auth_user_id" not in replay.session


def test_guessing_codes_is_rate_limited(user):
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client = Client()
    client.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    for guess in range(5):
        client.post("/accounts/2fa/authenticate/", {"code": f"{guess:06d}"})
    right = totp_code("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    response = client.post("/accounts/2fa/authenticate/", {"code": right})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_passkey_is_removed_by_its_owner_only(user):
    bob = UserFactory(username="bob")
    data = {"name": "Laptop", "credential": {}, "passwordless": True}
    alices = Authenticator.objects.create(user=user, type=Authenticator.Type.WEBAUTHN, data=data)
    bobs = Authenticator.objects.create(user=bob, type=Authenticator.Type.WEBAUTHN, data=data)
    client = Client()
    client.force_login(user)
    remove = client.get(f"/accounts/2fa/webauthn/keys/{alices.pk}/remove/")
    assert remove["Location"].startswith("/accounts/reauthenticate/")  # asks for the password
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})

    assert client.post(f"/accounts/2fa/webauthn/keys/{bobs.pk}/remove/").status_code == 404
    assert client.get(f"/accounts/2fa/webauthn/keys/{alices.pk}/remove/").status_code == 200
    assert Authenticator.objects.filter(pk=alices.pk).exists()  # GET only asks
    response = client.post(f"/accounts/2fa/webauthn/keys/{alices.pk}/remove/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=alices.pk).exists()
    assert Authenticator.objects.filter(pk=bobs.pk).exists()


def test_a_refused_signup_costs_the_same_for_a_new_and_a_registered_address(hashes, user):
    def signup(email):
        client = Client()
        data = signup_data(client, email=email, username="someone",
                           password2="a-different-one-99")  # fmt: skip
        return lambda: client.post("/accounts/signup/", data)

    assert hashes(signup("alice@example.com")) == hashes(signup("new@example.com"))


def test_recovery_codes_alone_are_not_two_factor_for_staff(client, staff, settings):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    settings.STAFF_REQUIRE_TWO_FACTOR = True
    RecoveryCodes.activate(staff)
    client.force_login(staff)
    assert client.get("/admin/", follow=True).redirect_chain[-1][0] == "/accounts/2fa/"


def test_a_passkey_prompt_names_the_site_not_the_host(client, user):
    client.force_login(user)
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/webauthn/add/", HTTP_HOST="localhost:8123")
    options = page.context["js_data"]["creation_options"]["publicKey"]["rp"]
    assert options == {"id": "localhost", "name": "Eternity"}
