"""Every way a user comes to exist gives them a Profile, in the same transaction."""

from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError

from apps.profiles.models import Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_create_user_creates_the_profile():
    user = User.objects.create_user("bob", "bob@example.com", "pw-long-enough-123")
    assert Profile.objects.get(user=user).created == user.date_joined


def test_createsuperuser_creates_the_profile(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "pw-long-enough-123")
    call_command(
        "createsuperuser", "--noinput", username="ops1", email="ops@example.com", verbosity=0
    )
    assert Profile.objects.filter(user__username="ops1").exists()


def test_admin_add_user_creates_the_profile(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "carol",
            "usable_password": "true",
            "password1": "pw-long-enough-123",
            "password2": "pw-long-enough-123",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    carol = User.objects.get(username="carol")
    assert Profile.objects.filter(user=carol).count() == 1
    assert client.get(f"/admin/accounts/user/{carol.pk}/change/").status_code == 200


def test_a_failing_profile_insert_leaves_no_user_behind():
    with (
        mock.patch.object(Profile.objects, "create", side_effect=IntegrityError("boom")),
        pytest.raises(IntegrityError),
    ):
        User.objects.create_user("ghost", "ghost@example.com", "pw-long-enough-123")
    assert not User.objects.filter(username="ghost").exists()


def test_saving_an_existing_user_does_not_create_a_second_profile():
    user = UserFactory()
    user.first_name = "Changed"
    user.save()
    assert Profile.objects.filter(user=user).count() == 1


def test_usernames_are_unique_regardless_of_case():
    UserFactory(username="Dora")
    with pytest.raises(IntegrityError):
        UserFactory(username="dora")


def test_a_user_without_a_profile_gets_pages_not_errors(client):
    user = UserFactory(username="orphan")
    Profile.objects.filter(user=user).delete()
    assert client.get("/u/orphan/").status_code == 200
    assert Profile.objects.filter(user=user).exists()

    Profile.objects.filter(user=user).delete()
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(f"/admin/accounts/user/{user.pk}/change/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200


def test_the_backfill_migration_creates_missing_profiles():
    from importlib import import_module

    from django.apps import apps

    user = UserFactory()
    Profile.objects.filter(user=user).delete()
    import_module("apps.profiles.migrations.0002_backfill_profiles").backfill(apps, None)
    assert Profile.objects.get(user=user).created == user.date_joined
