"""Light, dark or the device's setting: chosen in the footer, kept for visitors and members."""

import re

import pytest
from django.test import Client

from apps.profiles.models import Profile
from tests.factories import PASSWORD, UserFactory
from tests.proof_of_work import signup_data

pytestmark = pytest.mark.django_db


def html_tag(client: Client, path: str = "/") -> str:
    return re.search(r"<html[^>]*>", client.get(path).content.decode()).group(0)


def test_by_default_the_page_follows_the_device_before_it_is_painted(client):
    response = client.get("/")
    html = response.content.decode()
    assert "data-bs-theme" not in html_tag(client)
    assert re.search(r'<meta name="color-scheme"\s+content="light dark">', html)
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    script = re.search(r'<script nonce="([^"]+)">[^<]*prefers-color-scheme', html)
    assert script.group(1) == nonce  # the only inline script, allowed by the page's nonce


def test_a_visitor_choice_is_kept_in_a_cookie(client):
    response = client.post("/theme/", {"theme": "dark", "next": "/tags/tea/"})
    assert response.status_code == 302
    assert response["Location"] == "/tags/tea/"
    assert response.cookies["theme"].value == "dark"
    assert response.cookies["theme"]["httponly"]
    assert 'data-bs-theme="dark"' in html_tag(client)
    assert "prefers-color-scheme" not in client.get("/").content.decode()


def test_a_member_choice_follows_them_to_another_device(client, user):
    client.force_login(user)
    client.post("/theme/", {"theme": "light"})
    assert Profile.objects.get(user=user).theme == "light"
    assert 'data-bs-theme="light"' in html_tag(client)

    other_device = Client()
    other_device.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    assert 'data-bs-theme="light"' in html_tag(other_device)

    other_device.post("/accounts/logout/")  # the next person on that computer starts afresh
    assert "data-bs-theme" not in html_tag(other_device)


@pytest.mark.parametrize("value", ["", "purple", "<script>"])
def test_unknown_themes_are_refused_and_change_nothing(client, user, value):
    client.force_login(user)
    response = client.post("/theme/", {"theme": value})
    assert response.status_code == 400
    assert Profile.objects.get(user=user).theme == "system"


def test_the_switcher_never_redirects_to_another_site_and_needs_post(client):
    response = client.post("/theme/", {"theme": "dark", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert client.get("/theme/").status_code == 405


def test_a_forged_cookie_is_ignored(client):
    client.cookies["theme"] = '"><script>alert(1)</script>'
    assert "data-bs-theme" not in html_tag(client)


def test_the_theme_is_in_the_data_export(user):
    from apps.profiles.selectors import member_export

    UserFactory()  # someone else's choice is not exported
    Profile.objects.filter(user=user).update(theme="dark")
    assert member_export(user=user)[0]["profile"]["theme"] == "dark"


def test_the_owners_username_and_email_are_folded_away_on_the_profile(client, user):
    client.force_login(user)
    html = client.get("/u/alice/").content.decode()
    folded = re.search(r'<details class="card shadow-sm mb-3 account-details"\s*>.*?</details>',
                       html, re.S)  # fmt: skip
    assert 'id="section-username"' in folded.group(0)
    assert 'id="section-email"' in folded.group(0)
    assert "account-details" not in Client().get("/u/alice/").content.decode()


def test_a_new_member_is_shown_first_steps_until_they_are_done(client):
    from tests.factories import PostFactory

    newbie = UserFactory(username="newbie")
    client.force_login(newbie)
    html = client.get("/u/newbie/").content.decode()
    assert "First steps" in html
    for action in ("Add a photo", "Write about yourself", "Write your first post"):
        assert action in html
    Profile.objects.filter(user=newbie).update(bio="Hi")
    PostFactory(author=newbie)
    html = client.get("/u/newbie/").content.decode()
    assert "Write about yourself" not in html
    assert "Write your first post" not in html
    assert "Add a photo" in html
    assert "First steps" not in Client().get("/u/newbie/").content.decode()  # owner only


def test_signup_asks_for_the_name_people_will_see(client):
    from django.contrib.auth import get_user_model

    response = client.post("/accounts/signup/", signup_data(
        client, name="Анна Каренина", email="anna@example.com", username="anna",
    ))  # fmt: skip
    assert response.status_code == 302
    anna = get_user_model().objects.get(username="anna")
    assert (anna.first_name, anna.last_name, anna.display_name) == (
        "Анна",
        "Каренина",
        "Анна Каренина",
    )
    client.post("/accounts/signup/", signup_data(client, email="bob@example.com",
                                                 username="bob"))  # fmt: skip
    assert get_user_model().objects.get(username="bob").display_name == "bob"  # optional
