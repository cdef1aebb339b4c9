"""Social login end to end against a real OpenID Connect server on localhost."""

from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from oidc_provider_mock import User as OidcUser
from oidc_provider_mock import run_server_in_thread

from apps.accounts.models import BlockedNetwork
from apps.profiles.models import Profile

pytestmark = pytest.mark.django_db
User = get_user_model()

CLAIMS = {
    "email": "grace@example.org",
    "email_verified": True,
    "given_name": "Grace",
    "family_name": "Hopper",
    "name": "Grace Hopper",
    "preferred_username": "grace",
}


@pytest.fixture
def oidc_server():
    users = [
        OidcUser(sub="grace-sub", claims=CLAIMS),
        OidcUser(sub="anon-sub", claims={**CLAIMS, "email": "anon@example.org",
                                         "email_verified": False, "preferred_username": "anon"}),
        OidcUser(sub="support-sub", claims={
            "email": "support@example.org", "email_verified": True, "given_name": "Support",
            "name": "Support", "preferred_username": "support"}),
        OidcUser(sub="throwaway-sub", claims={**CLAIMS, "email": "grace@X.Mailinator.com",
                                              "preferred_username": "throwaway"}),
    ]  # fmt: skip
    with run_server_in_thread(user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def oidc_configured(settings, oidc_server):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "mock",
                    "name": "Mock ID",
                    "client_id": "eternity",
                    "secret": "eternity-secret",
                    "settings": {"server_url": oidc_server},
                }
            ]
        }
    }
    return oidc_server


def log_in_through_provider(client, sub: str):
    """Click the button, approve at the provider as `sub`, return the callback's response."""
    login_page = client.get("/accounts/login/").content.decode()
    assert "Continue with Mock ID" in login_page
    response = client.post("/accounts/oidc/mock/login/")
    assert response.status_code == 302
    authorize_url = response["Location"]
    approval = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert approval.status_code == 302, approval.text
    callback = urlsplit(approval.headers["Location"])
    assert callback.path == "/accounts/oidc/mock/login/callback/"
    return client.get(f"{callback.path}?{callback.query}")


def test_first_social_login_creates_user_and_profile_from_the_claims(client, oidc_configured):
    logged_in = []

    def record(sender, user, **kwargs):
        logged_in.append(user.username)

    user_logged_in.connect(record)
    try:
        response = log_in_through_provider(client, "grace-sub")
    finally:
        user_logged_in.disconnect(record)

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(email="grace@example.org")
    assert (user.first_name, user.last_name, user.username) == ("Grace", "Hopper", "grace")
    assert user.emailaddress_set.get().verified
    assert user.socialaccount_set.get().uid == "grace-sub"
    assert Profile.objects.get(user=user).is_online
    assert client.session["_auth_user_id"] == str(user.pk)
    assert logged_in == ["grace"]


def test_second_social_login_reuses_the_same_account(client, oidc_configured):
    log_in_through_provider(client, "grace-sub")
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session

    response = log_in_through_provider(client, "grace-sub")
    assert response.status_code == 302
    assert User.objects.count() == 1
    assert client.session["_auth_user_id"] == str(User.objects.get().pk)


def test_unverified_provider_email_is_not_marked_verified(client, oidc_configured):
    log_in_through_provider(client, "anon-sub")
    user = User.objects.get(email="anon@example.org")
    assert not user.emailaddress_set.get().verified
    assert Profile.objects.filter(user=user).exists()


UNCONFIGURED = [
    "/accounts/github/login/",
    "/accounts/github/login/callback/",
    "/accounts/google/login/",
    "/accounts/google/login/callback/",
    "/accounts/google/login/token/",
    "/accounts/oidc/mock/login/",
    "/accounts/oidc/mock/login/callback/",
]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("url", UNCONFIGURED)
def test_a_provider_nobody_configured_is_a_page_not_found(client, settings, url, method):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    response = getattr(client, method)(url, {"code": "x", "state": "y", "credential": "z"})
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_with_one_provider_configured_the_others_are_still_not_found(client, oidc_configured):
    assert client.get("/accounts/google/login/").status_code == 404
    assert client.post("/accounts/github/login/").status_code == 404
    assert client.post("/accounts/oidc/other/login/").status_code == 404
    assert client.post("/accounts/oidc/mock/login/").status_code == 302
    assert log_in_through_provider(client, "grace-sub").status_code == 302


def test_a_provider_user_named_like_staff_gets_another_handle(client, oidc_configured):
    response = log_in_through_provider(client, "support-sub")
    assert response.status_code == 302
    user = User.objects.get(email="support@example.org")
    assert "support" not in user.username.lower()
    User.username_validator(user.username)  # neither invalid nor reserved


def test_a_provider_address_at_a_disposable_domain_is_not_signed_up_with(client, oidc_configured):
    response = log_in_through_provider(client, "throwaway-sub")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/3rdparty/signup/"
    page = client.get(response["Location"]).content.decode()
    assert "Addresses at this domain can&#x27;t be used to sign up." in page
    form = client.post(response["Location"], {"email": "grace@X.Mailinator.com",
                                              "username": "throwaway"})  # fmt: skip
    assert form.status_code == 200
    assert "Addresses at this domain can&#x27;t be used to sign up." in form.content.decode()
    assert not User.objects.exists()
    # Another address goes through, as on the site's own signup.
    done = client.post(response["Location"], {"email": "grace@example.net",
                                              "username": "throwaway"})  # fmt: skip
    assert done.status_code == 302
    user = User.objects.get(username="throwaway")
    assert user.email == "grace@example.net"
    assert list(user.emailaddress_set.values_list("email", flat=True)) == ["grace@example.net"]


def test_a_blocked_network_cannot_sign_up_through_a_provider(client, oidc_configured):
    BlockedNetwork.objects.create(network="127.0.0.0/8")
    response = log_in_through_provider(client, "grace-sub")
    assert response.status_code == 403
    assert "Signing up is not possible from your network." in response.content.decode()
    assert not User.objects.exists()
