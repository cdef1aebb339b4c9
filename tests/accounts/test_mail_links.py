"""Links in account mail come from SITE_URL, never from the Host a request came with: whoever
asks for a password reset chooses that Host (any allowed host, any port)."""

import re

import pytest
from django.core import mail
from django.test import Client

from tests.factories import PASSWORD
from tests.proof_of_work import signup_data

pytestmark = pytest.mark.django_db

FORGED = {"HTTP_HOST": "localhost:31337"}


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://eternity.example.com"
    settings.SITE_DOMAIN = "eternity.example.com"
    return settings.SITE_URL


def signed_in(user, **headers: str) -> Client:
    """A client that signed in with the password just now (no reauthentication asked)."""
    client = Client(**FORGED, **headers)
    response = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def links(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)


def test_a_reset_asked_for_with_a_forged_host_links_to_the_site(site, user):
    response = Client(**FORGED).post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    [message] = mail.outbox
    assert links(message.body)
    assert all(
        link.startswith(f"{site}/accounts/password/reset/key/") for link in links(message.body)
    )
    assert "31337" not in message.body
    assert "localhost" not in message.body
    assert "eternity.example.com" in message.body  # the site named at the foot, from settings


def test_the_reset_link_in_the_mail_works(site, user):
    Client(**FORGED).post("/accounts/password/reset/", {"email": user.email})
    [link] = links(mail.outbox[-1].body)
    client = Client()
    form_url = client.get(link.removeprefix(site))["Location"]
    new_password = "a-brand-new-password-58"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_a_signup_with_a_forged_host_confirms_on_the_site(site):
    client = Client(**FORGED)
    response = client.post("/accounts/signup/", signup_data(client))
    assert response.status_code == 302
    [message] = mail.outbox
    [link] = links(message.body)
    assert link.startswith(f"{site}/accounts/confirm-email/")
    assert "31337" not in message.body
    assert Client().post(link.removeprefix(site)).status_code == 302


def test_an_address_change_confirms_on_the_site(site, user):
    client = signed_in(user)
    response = client.post("/accounts/email/", {"action_add": "", "email": "new@example.com"})
    response = client.post(response["Location"], {"password": PASSWORD})  # asked again
    client.get(response["Location"])  # allauth replays the change
    message = mail.outbox[-1]
    assert message.to == ["new@example.com"]
    assert all(link.startswith(site) for link in links(message.body))
    assert "31337" not in message.body


def test_a_reset_for_an_unknown_address_links_to_the_site(site, db):
    Client(**FORGED).post("/accounts/password/reset/", {"email": "nobody@example.com"})
    for message in mail.outbox:
        assert "31337" not in message.body
        assert all(link.startswith(site) for link in links(message.body))


def test_a_notice_of_a_password_change_names_the_site_not_the_host(site, user):
    client = signed_in(user)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "another-long-pass-73", "password2":
         "another-long-pass-73"},
    )  # fmt: skip
    assert response.status_code == 302
    [message] = mail.outbox
    assert "31337" not in message.body
    assert "eternity.example.com" in message.body


def test_a_browser_name_cannot_write_a_link_into_the_notice(site, user):
    client = signed_in(user, HTTP_USER_AGENT="Firefox\r\n\r\nVisit https://evil.example/login")
    client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "another-long-pass-73", "password2":
         "another-long-pass-73"},
    )  # fmt: skip
    [message] = mail.outbox
    assert "https://evil.example" not in message.body
    assert "- Browser: Firefox Visit https[:]//evil[.]example/login\n" in message.body
    assert all(link.startswith(site) for link in links(message.body))
