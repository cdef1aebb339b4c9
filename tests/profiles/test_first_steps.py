"""A new member's first-steps checklist on the feed: ticked from real state, closed for good."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from apps.membership.services import delete_account
from apps.profiles.models import Profile
from apps.profiles.selectors import member_export
from apps.social import services as social
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def newcomer(client):
    user = UserFactory(username="newcomer", date_joined=timezone.now())
    client.force_login(user)
    return user


def steps(html: str) -> dict[str, bool]:
    """Each step's name and whether it is shown done."""
    found = re.findall(r'data-step="(\w+)">\s*<span class="first-step-mark( done)?"', html)
    return {name: bool(done) for name, done in found}


def test_a_new_member_sees_four_steps_none_done_with_links(client, newcomer):
    html = client.get("/").content.decode()
    assert "Your first steps" in html
    assert "0 of 4 done" in html
    assert steps(html) == {"photo": False, "bio": False, "follow": False, "post": False}
    assert 'href="/settings/profile/photo/"' in html
    assert 'href="/settings/profile/details/"' in html
    assert 'href="/posts/new/"' in html


def test_each_step_is_ticked_from_what_is_really_there(client, newcomer):
    profile = newcomer.profile
    profile.bio = "I like the sea."
    profile.save()
    social.follow(follower=newcomer, followee=UserFactory(username="friend"))
    html = client.get("/").content.decode()
    assert steps(html) == {"photo": False, "bio": True, "follow": True, "post": False}
    assert "2 of 4 done" in html
    assert "(done)" in html


def test_members_of_more_than_two_weeks_never_see_it(client, newcomer, django_assert_num_queries):
    from datetime import timedelta

    from apps.profiles.selectors import first_steps

    newcomer.date_joined = timezone.now() - timedelta(days=15)
    with django_assert_num_queries(0):
        assert first_steps(user=newcomer, follows_anyone=False) is None


def test_the_checklist_goes_once_every_step_is_done(client, newcomer):
    Profile.objects.filter(user=newcomer).update(bio="Hello", photo="avatars/x.png")
    social.follow(follower=newcomer, followee=UserFactory(username="friend"))
    PostFactory(author=newcomer)
    assert "Your first steps" not in client.get("/").content.decode()


def test_hiding_it_is_a_post_that_lasts_on_every_device(client, newcomer):
    assert client.get("/settings/first-steps/").status_code == 405
    response = client.post("/settings/first-steps/", {"next": "/?tab=everyone"}, headers=HTMX)
    assert response.status_code == 200
    assert "Your first steps" not in response.content.decode()
    assert "autofocus" in response.content.decode()  # the focus stays in the page
    assert Profile.objects.get(user=newcomer).first_steps_dismissed
    other_device = Client()
    other_device.force_login(newcomer)
    assert "Your first steps" not in other_device.get("/").content.decode()


def test_without_javascript_hiding_returns_to_the_page_and_never_elsewhere(client, newcomer):
    response = client.post("/settings/first-steps/", {"next": "/?tab=everyone"})
    assert response["Location"] == "/?tab=everyone"
    response = client.post("/settings/first-steps/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_visitors_cannot_hide_anything_and_need_csrf(newcomer):
    assert Client().post("/settings/first-steps/")["Location"].startswith("/accounts/login/")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(newcomer)
    assert strict.post("/settings/first-steps/").status_code == 403
    assert not Profile.objects.get(user=newcomer).first_steps_dismissed


def test_the_choice_joins_the_export_and_goes_with_the_account(newcomer):
    Profile.objects.filter(user=newcomer).update(first_steps_dismissed=True)
    assert member_export(user=newcomer).data["profile"]["first_steps_dismissed"] is True
    delete_account(user=newcomer)
    assert not Profile.objects.exists()


def test_the_feed_with_the_checklist_costs_the_same_whatever_the_posts(
    client, newcomer, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    PostFactory(author=UserFactory())
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        assert "Your first steps" in client.get("/").content.decode()
    for _ in range(6):
        PostFactory(author=UserFactory())
    client.get("/")  # the new posts move where the newcomer left off (a write), once
    with CaptureQueriesContext(connection) as more:
        client.get("/")
    assert len(more) == len(few)
    with django_assert_max_num_queries(len(few)):
        client.get("/")
