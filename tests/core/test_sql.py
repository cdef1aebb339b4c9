"""apps.core.db.sql: the hand-written reads get what the ORM would have given."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone

from apps.core.db import sql
from apps.profiles.models import Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_datetime_goes_in_and_comes_back_as_the_orm_has_it():
    user = UserFactory()
    seen = timezone.now().replace(microsecond=123456) - timedelta(days=3)
    Profile.objects.filter(user=user).update(last_seen=seen)
    table = sql.table(Profile)
    query = f"SELECT last_seen FROM {table} WHERE user_id = %s AND last_seen >= %s"  # noqa: S608
    assert sql.rows(query, [user.pk, sql.at(seen)]) != []
    assert sql.moment(sql.rows(query, [user.pk, sql.at(seen)])[0][0]) == seen
    assert sql.rows(query, [user.pk, sql.at(seen + timedelta(microseconds=1))]) == []


def test_columns_come_in_the_models_order_and_unknown_ones_are_refused():
    assert sql.columns(Profile, "last_seen", "id") == ("id", "last_seen")
    with pytest.raises(ValueError, match="colour"):
        sql.columns(Profile, "id", "colour")


def test_one_row_comes_back_as_the_orm_builds_it():
    """The session and the signed-in member of every request are read this way."""
    user = UserFactory(is_staff=True)
    Profile.objects.filter(user=user).update(last_seen=timezone.now(), presence_audience="nobody")
    for model, pk in ((get_user_model(), user.pk), (Profile, user.profile.pk)):
        found = sql.one(model, "id = %s", [pk])
        expected = model.objects.get(pk=pk)
        for field in model._meta.concrete_fields:
            value, wanted = getattr(found, field.attname), getattr(expected, field.attname)
            assert (value, type(value)) == (wanted, type(wanted)), field.name
        assert found._state.adding is False
    assert sql.one(Profile, "id = %s", [0]) is None


def test_a_request_with_an_ended_session_is_anonymous(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/settings/account/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/settings/account/").status_code == 302
