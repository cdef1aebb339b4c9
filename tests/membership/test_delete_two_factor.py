"""Deleting an account with two-factor asks for its code too, besides the password."""

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.test import Client

from tests.factories import PASSWORD
from tests.two_factor import totp_code

pytestmark = pytest.mark.django_db
User = get_user_model()
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def alice(user):
    TOTP.activate(user, SECRET)
    return user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def wrong_code() -> str:
    return "000000" if totp_code(SECRET) != "000000" else "111111"


def test_the_deletion_page_asks_for_the_code_when_the_member_has_two_factor(alice):
    html = signed_in(alice).get("/settings/account/delete/").content.decode()
    assert 'name="code"' in html
    assert "recovery codes" in html


def test_the_deletion_page_asks_no_code_without_two_factor(user):
    html = signed_in(user).get("/settings/account/delete/").content.decode()
    assert 'name="code"' not in html


@pytest.mark.parametrize("code", ["", "wrong"])
def test_a_missing_or_wrong_code_deletes_nothing(alice, code):
    code = wrong_code() if code == "wrong" else code
    data = {"password": PASSWORD, "code": code, "confirm": "on"}
    response = signed_in(alice).post("/settings/account/delete/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert User.objects.filter(pk=alice.pk).exists()


def test_the_right_password_and_code_delete_the_account(alice):
    data = {"password": PASSWORD, "code": totp_code(SECRET), "confirm": "on"}
    response = signed_in(alice).post("/settings/account/delete/", data)
    assert response.status_code == 302
    assert not User.objects.filter(pk=alice.pk).exists()


def test_a_recovery_code_deletes_the_account_too(alice):
    code = RecoveryCodes.activate(alice).get_unused_codes()[0]
    data = {"password": PASSWORD, "code": code, "confirm": "on"}
    assert signed_in(alice).post("/settings/account/delete/", data).status_code == 302
    assert not User.objects.filter(pk=alice.pk).exists()


@pytest.mark.parametrize(
    ("password", "confirm", "error"),
    [("wrong", "on", "That is not your password."), (PASSWORD, "", "This field is required.")],
)
def test_a_deletion_that_does_not_go_ahead_does_not_use_up_a_recovery_code(
    alice, password, confirm, error
):
    codes = RecoveryCodes.activate(alice)
    code = codes.get_unused_codes()[0]
    data = {"password": password, "code": code, "confirm": confirm}
    response = signed_in(alice).post("/settings/account/delete/", data)
    assert error in response.content.decode()
    assert User.objects.filter(pk=alice.pk).exists()
    assert (
        code
        in RecoveryCodes(
            codes.instance.__class__.objects.get(pk=codes.instance.pk)
        ).get_unused_codes()
    )
