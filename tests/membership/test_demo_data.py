"""`make run` loads the demo on every start, whatever was changed in it through the site."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from apps.feed.models import Post
from apps.membership.demo import load_demo_data

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_loading_twice_changes_nothing():
    load_demo_data()
    counts = (User.objects.count(), Post.objects.count(), EmailAddress.objects.count())
    load_demo_data()
    assert (User.objects.count(), Post.objects.count(), EmailAddress.objects.count()) == counts


def test_renamed_readdressed_and_deleted_demo_members_and_posts_do_not_break_it():
    load_demo_data()
    alice = User.objects.get(username="alice")
    alice.username = "Alicia"
    alice.save()
    boris = User.objects.get(username="boris")
    boris.email = "boris.new@example.com"
    boris.save()
    EmailAddress.objects.filter(user=boris).update(email="boris.new@example.com")
    User.objects.get(username="chloe").delete()
    Post.objects.filter(title__startswith="Five books").delete()

    lines = load_demo_data()

    assert User.objects.filter(username="Alicia").exists()
    assert not User.objects.filter(username__iexact="alice").exists()  # she is still Alicia
    # boris kept his name; chloe is back with her address; nobody else gained a login.
    assert User.objects.get(email="chloe@example.com").username == "chloe"
    assert User.objects.filter(username="boris").count() == 1
    assert "Demo login: Alicia or alice@example.com / eternity-demo" in lines
    assert "Demo login: boris or boris.new@example.com / eternity-demo" in lines


def test_a_demo_address_taken_by_someone_else_is_left_to_them():
    load_demo_data()
    User.objects.get(username="chloe").delete()
    someone = User.objects.create_user("someone", "chloe@example.com", "x" * 20)
    EmailAddress.objects.create(user=someone, email="chloe@example.com", verified=True,
                                primary=True)  # fmt: skip
    call_command("demo_data", without_debug=True, stdout=io.StringIO())
    assert not User.objects.filter(username="chloe").exists()


def test_the_demo_is_refused_where_debug_is_off():
    with pytest.raises(CommandError, match="refusing"):
        call_command("demo_data", stdout=io.StringIO())
    assert not User.objects.exists()


def test_the_demo_has_a_moderator_to_try_the_moderation_pages(client):
    load_demo_data()
    client.force_login(User.objects.get(username="chloe"))
    assert client.get("/moderation/").status_code == 200
    client.force_login(User.objects.get(username="alice"))
    assert client.get("/moderation/").status_code == 403
