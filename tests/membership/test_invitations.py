"""A member's invitation links: made on their own page within the limits, listed with the
signups left and the link to send, revoked by their owner only."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from apps.accounts.models import Invitation
from tests.accounts.modes import invitation, set_mode
from tests.factories import UserFactory
from tests.moderation.decisions import log_in

pytestmark = pytest.mark.django_db
PAGE = "/settings/invitations/"


def test_the_account_page_links_the_invitations(user):
    assert f'href="{PAGE}"' in log_in("alice").get("/settings/account/").content.decode()


def test_a_member_makes_a_link_and_sees_it_with_the_site_address(user, settings):
    set_mode("invitation")
    client = log_in("alice")
    response = client.post(PAGE, {"days": 3, "uses": 2})
    assert (response.status_code, response["Location"]) == (302, PAGE)
    made = Invitation.objects.get(created_by=user)
    assert (made.max_uses, made.uses) == (2, 0)
    html = client.get(PAGE).content.decode()
    assert f"{settings.SITE_URL}/invite/{made.token}/" in html
    assert "2 of 2 signups left" in html
    assert "New members join by invitation only" in html


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"days": 3, "uses": 6}, "less than or equal to 5"),
        ({"days": 31, "uses": 1}, "less than or equal to 30"),
        ({"days": 0, "uses": 1}, "greater than or equal to 1"),
        ({"days": "many", "uses": 1}, "Enter a whole number"),
        ({}, "This field is required"),
    ],
)  # fmt: skip
def test_a_link_outside_the_limits_is_refused_and_nothing_is_made(user, data, error):
    response = log_in("alice").post(PAGE, data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_member_has_only_so_many_usable_links(user, settings):
    settings.INVITES_PER_MEMBER = 2
    invitation(user)
    invitation(user, revoked="2020-01-01T00:00:00Z")  # revoked ones do not count
    client = log_in("alice")
    assert client.post(PAGE, {"days": 1, "uses": 1}).status_code == 302
    response = client.post(PAGE, {"days": 1, "uses": 1})
    assert response.status_code == 400
    assert "as many usable links as a member may have" in response.content.decode()
    assert Invitation.objects.filter(created_by=user).count() == 3


def test_moderators_make_bigger_links_without_a_count(settings, db):
    settings.INVITES_PER_MEMBER = 1
    moderator = UserFactory(username="mod")
    moderator.groups.add(Group.objects.get(name="moderator"))
    client = log_in("mod")
    for _ in range(2):
        assert client.post(PAGE, {"days": 30, "uses": 100}).status_code == 302
    assert Invitation.objects.filter(created_by=moderator, max_uses=100).count() == 2


def test_making_links_is_rate_limited(user, settings, rate_window):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invite": "2/h/user"}
    settings.INVITES_PER_MEMBER = 10
    client = log_in("alice")
    for _ in range(2):
        assert client.post(PAGE, {"days": 1, "uses": 1}).status_code == 302
    response = client.post(PAGE, {"days": 1, "uses": 1})
    assert response.status_code == 429
    assert "making invitations too often" in response.content.decode()
    assert Invitation.objects.count() == 2


def test_the_owner_revokes_a_link_and_it_stops_working(user):
    link = invitation(user)
    set_mode("invitation")
    client = log_in("alice")
    response = client.post(f"{PAGE}{link.pk}/revoke/")
    assert (response.status_code, response["Location"]) == (302, PAGE)
    assert "Revoked" in client.get(PAGE).content.decode()
    assert Client().get(f"/invite/{link.token}/").status_code == 410


def test_nobody_else_revokes_a_link(user):
    link = invitation(user)
    UserFactory(username="carol")
    assert log_in("carol").post(f"{PAGE}{link.pk}/revoke/").status_code == 404
    assert log_in("alice").get(f"{PAGE}{link.pk}/revoke/").status_code == 405
    guest = Client().post(f"{PAGE}{link.pk}/revoke/")
    assert guest.status_code == 302
    assert "/accounts/login/" in guest["Location"]
    link.refresh_from_db()
    assert link.revoked is None
    assert link.is_usable


def test_guests_are_sent_to_log_in(db):
    response = Client().get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert Client().post(PAGE, {"days": 1, "uses": 1}).status_code == 302
    assert not Invitation.objects.exists()


def test_the_page_costs_the_same_queries_for_many_links(user, django_assert_max_num_queries):
    client = log_in("alice")
    invitation(user)
    client.get(PAGE)  # the signup policy is cached from here on
    with django_assert_max_num_queries(10) as few:
        client.get(PAGE)
    one = len(few.captured_queries)
    for _ in range(10):
        invitation(user)
    with django_assert_max_num_queries(one):
        assert client.get(PAGE).status_code == 200
