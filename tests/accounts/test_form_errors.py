"""Full-page forms sent back with errors: one summary at the top, linking each error to its
field; htmx swaps keep their own alert; the password rules said once."""

import pytest
from django.test import Client

from tests.factories import PASSWORD
from tests.proof_of_work import signup_data

pytestmark = pytest.mark.django_db


def test_a_signup_with_a_bad_password_is_summarised_at_the_top_with_the_rules_once():
    client = Client()
    data = signup_data(client, email="n@example.com", username="newbie",
                       password1="1234", password2="1234")  # fmt: skip
    html = client.post("/accounts/signup/", data).content.decode()
    assert html.count("data-error-summary") == 1
    assert html.index("data-error-summary") < html.index('name="email"')  # at the top
    assert html.count('href="#id_password1"') == 3
    assert html.count("not close to your name, username or email") == 1
    assert "can’t be a commonly used password" not in html


def test_a_wrong_login_is_said_once_in_the_summary(user):
    html = Client().post("/accounts/login/", {"login": "alice", "password": "no"}).content
    text = html.decode()
    assert text.count("The username and/or password you specified are not correct.") == 1
    assert "data-error-summary" in text


def test_the_password_change_says_the_rules_under_the_new_password(client, user):
    client.force_login(user)
    data = {"oldpassword": PASSWORD, "password1": "1234", "password2": "1234"}
    html = client.post("/accounts/password/change/", data).content.decode()
    assert html.count("not close to your name, username or email") == 1
    assert 'href="#id_password1"' in html


def test_an_htmx_form_error_keeps_its_own_alert_and_no_summary(client, user):
    client.force_login(user)
    response = client.post(
        "/settings/profile/username/", {"username-username": "x"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "data-error-summary" not in response.content.decode()


def test_the_deletion_page_summarises_its_errors(client, user):
    client.force_login(user)
    html = client.post("/settings/account/delete/", {"password": "no"}).content.decode()
    assert html.count("data-error-summary") == 1
    assert 'href="#id_password"' in html
    assert 'href="#id_confirm"' in html
