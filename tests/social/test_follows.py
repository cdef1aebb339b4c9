"""Following people: from a profile and from post cards, with and without JavaScript."""

import re
import threading

import pytest
from django.db import connection

from apps.social import services
from apps.social.models import Follow, Notification
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/u/bob/"}


def test_following_from_a_profile_without_javascript_goes_back_to_it(client, alice, bob):
    client.force_login(alice)
    response = client.post("/u/bob/follow/", {"follow": "1", "next": "/u/bob/"})
    assert response.status_code == 302
    assert response["Location"] == "/u/bob/"
    assert Follow.objects.filter(follower=alice, followee=bob).exists()
    page = client.get("/u/bob/").content.decode()
    assert 'aria-pressed="true"' in page
    assert "<strong>1</strong> follower" in page


def test_following_with_htmx_swaps_every_button_and_the_count(client, alice, bob):
    client.force_login(alice)
    response = client.post("/u/bob/follow/", {"follow": "1", "place": "profile"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "hx-swap-oob=\"outerHTML:[data-follow='profile:bob']\"" in html
    assert 'aria-pressed="true"' in html
    assert 'id="follow-counts"' in html
    assert "<strong>1</strong> follower" in html
    # The no-JavaScript fallback in the swapped form goes back to the page it is on.
    assert re.search(r'name="next"\s+value="/u/bob/"', html)


def test_unfollowing_removes_the_follow_and_its_notification(client, alice, bob):
    services.follow(follower=alice, followee=bob)
    assert Notification.objects.filter(recipient=bob, kind="follow").count() == 1
    client.force_login(alice)
    client.post("/u/bob/follow/", {"follow": "0"}, headers=HTMX)
    assert not Follow.objects.exists()
    assert not Notification.objects.exists()


def test_following_twice_makes_one_follow_and_one_notification(client, alice, bob):
    client.force_login(alice)
    for _ in range(2):
        assert client.post("/u/bob/follow/", {"follow": "1"}, headers=HTMX).status_code == 200
    assert Follow.objects.count() == 1
    assert Notification.objects.count() == 1


def test_nobody_can_follow_themselves(client, alice):
    client.force_login(alice)
    response = client.post("/u/alice/follow/", {"follow": "1"}, headers=HTMX)
    assert response.status_code == 400
    assert "You cannot follow yourself." in response.content.decode()
    assert not Follow.objects.exists()


def test_guests_are_sent_to_log_in_and_nothing_changes(client, bob):
    response = client.post("/u/bob/follow/", {"follow": "1"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Follow.objects.exists()


def test_following_is_post_only_and_needs_csrf(alice, bob):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.get("/u/bob/follow/").status_code == 405
    assert strict.post("/u/bob/follow/", {"follow": "1"}).status_code == 403
    assert not Follow.objects.exists()


def test_an_unknown_or_inactive_member_is_a_404(client, alice):
    UserFactory(username="gone", is_active=False)
    client.force_login(alice)
    assert client.post("/u/nobody/follow/", {"follow": "1"}).status_code == 404
    assert client.post("/u/gone/follow/", {"follow": "1"}).status_code == 404


def test_a_foreign_next_is_not_followed(client, alice, bob):
    client.force_login(alice)
    response = client.post("/u/bob/follow/", {"follow": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/u/bob/"


def test_post_cards_carry_a_follow_button_for_other_authors(client, alice, bob):
    PostFactory(author=bob, title="Bob writes")
    PostFactory(author=alice, title="Alice writes")
    client.force_login(alice)
    html = client.get("/?tab=everyone").content.decode().split('id="posts"')[1]
    assert html.count('data-follow="card:bob"') == 1
    assert 'data-follow="card:alice"' not in html  # not on your own posts


def test_guests_see_follow_buttons_that_ask_them_to_log_in(client, bob):
    PostFactory(author=bob)
    assert 'data-follow="card:bob"' in client.get("/").content.decode()


def test_follower_and_following_lists(client, alice, bob):
    carol = UserFactory(username="carol")
    services.follow(follower=alice, followee=bob)
    services.follow(follower=carol, followee=bob)
    followers = client.get("/u/bob/followers/").content.decode()
    assert "@alice" in followers
    assert "@carol" in followers
    following = client.get("/u/alice/following/").content.decode()
    assert "@bob" in following
    assert "@carol" not in following
    assert client.get("/u/BOB/followers/")["Location"] == "/u/bob/followers/"


@pytest.mark.parametrize("count", [5, 50])
def test_follower_lists_use_a_constant_number_of_queries(
    client, alice, count, django_assert_max_num_queries
):
    for follower in UserFactory.create_batch(count):
        services.follow(follower=follower, followee=alice)
    client.force_login(alice)
    client.get("/pow/challenge/")
    with django_assert_max_num_queries(10):
        response = client.get("/u/alice/followers/")
    assert response.status_code == 200
    assert response.content.decode().count("list-group-item d-flex") == min(count, 30)


def test_the_follower_list_loads_more_and_refuses_a_made_up_cursor(client, alice):
    for follower in UserFactory.create_batch(31):
        services.follow(follower=follower, followee=alice)
    first = client.get("/u/alice/followers/").content.decode()
    assert "Load more" in first
    assert client.get("/u/alice/followers/", {"after": "nonsense"}).status_code == 400


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises all writes")
def test_racing_follow_clicks_make_one_follow_and_one_notification():
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    barrier = threading.Barrier(4)
    errors = []

    def click():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            services.follow(follower=alice, followee=bob)
        except Exception as error:
            errors.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=click) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Follow.objects.count() == 1
    assert Notification.objects.count() == 1
