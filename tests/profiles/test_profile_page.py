import pytest
from django.utils import timezone

from apps.profiles.models import Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_profile_page_shows_the_public_profile(client, user):
    Profile.objects.filter(user=user).update(bio="Line one\nLine two")
    response = client.get("/u/alice/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alice Liddell" in html
    assert "@alice" in html
    assert "Line one\nLine two" in html  # kept; .text-prewrap shows the break
    assert "Member since" in html
    assert f"{user.date_joined:%B %Y}" in html
    assert 'data-presence="alice"' in html
    assert "Offline" in html


def test_profile_page_shows_online_when_the_user_is_online(client, user):
    Profile.objects.filter(user=user).update(is_online=True, last_seen=timezone.now())
    html = client.get("/u/alice/").content.decode()
    assert "Online" in html


def test_hidden_status_shows_neither_online_nor_last_seen(client, user):
    Profile.objects.filter(user=user).update(
        is_online=True, last_seen=timezone.now(), presence_audience="nobody"
    )
    html = client.get("/u/alice/").content.decode()
    assert "Online" not in html
    assert "Last seen" not in html
    assert "Offline" in html


def test_bio_and_names_are_escaped(client):
    user = UserFactory(username="mallory", first_name="<script>alert(1)</script>")
    Profile.objects.filter(user=user).update(bio='<img src=x onerror="alert(2)">')
    html = client.get("/u/mallory/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_default_avatar_is_initials_on_a_stable_colour(client, user):
    first = client.get("/u/alice/").content.decode()
    second = client.get("/u/alice/").content.decode()
    assert 'role="img" aria-label="Alice Liddell"' in first
    assert ">AL</span>" in first
    colour = first.split("avatar-initials avatar-c")[1].split('"')[0]
    assert f"avatar-initials avatar-c{colour}" in second


def test_unknown_username_is_a_404_page(client):
    response = client.get("/u/nobody/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_profile_url_is_case_insensitive_and_redirects_to_the_canonical_one(client, user):
    response = client.get("/u/ALICE/")
    assert response.status_code == 301
    assert response["Location"] == "/u/alice/"


def test_inactive_users_have_no_public_page(client):
    UserFactory(username="gone", is_active=False)
    assert client.get("/u/gone/").status_code == 404


def test_profile_page_runs_a_constant_number_of_queries(
    client, user, django_assert_max_num_queries
):
    client.force_login(user)
    client.get("/pow/challenge/")  # the once-a-minute presence touch
    with django_assert_max_num_queries(10):
        assert client.get("/u/alice/").status_code == 200


def test_profile_page_refuses_writes(client, user):
    assert client.post("/u/alice/").status_code == 405
