"""The audit log holds: entries carry the database's own time, whatever a caller says, and on
PostgreSQL the database refuses to empty the table (TRUNCATE) as it refuses DELETE and UPDATE."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from apps.moderation.models import Action, AuditEntry
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db
LONG_AGO = datetime(2001, 1, 1, tzinfo=UTC)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL triggers"
)


def entry(**fields) -> AuditEntry:
    return AuditEntry.objects.create(moderator_name="mod", action=Action.DISMISS,
                                     subject_name="bob", target="profile", reason="Fine",
                                     **fields)  # fmt: skip


def test_an_entry_cannot_be_back_dated_through_the_model():
    made = entry(created=LONG_AGO)
    stored = AuditEntry.objects.get(pk=made.pk).created
    assert abs(stored - timezone.now()) < timedelta(minutes=1)
    assert made.created == stored


@postgresql_only
def test_on_postgresql_the_audit_log_cannot_be_truncated():
    entry()
    # Checked now, as at a commit: the test's transaction keeps the foreign keys' checks
    # pending, and PostgreSQL refuses a TRUNCATE then for that reason alone.
    connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
    # (Alone, it is refused for the appeals that point at it: these are the ways that work.)
    for statement in ("TRUNCATE moderation_auditentry CASCADE",
                      "TRUNCATE moderation_appeal, moderation_auditentry"):  # fmt: skip
        with pytest.raises(DatabaseError, match="cannot be truncated"), transaction.atomic():
            connection.cursor().execute(statement)
    assert AuditEntry.objects.count() == 1


@postgresql_only
def test_on_postgresql_an_insert_with_a_back_dated_time_gets_the_databases_time():
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO moderation_auditentry (created, moderator_name, action, subject_name,"
            " target, reason, reports_closed) VALUES (%s, 'mod', 'dismiss', 'bob', 'profile',"
            " 'Fine', 0) RETURNING created, now()",
            [LONG_AGO],
        )
        created, now = cursor.fetchone()
    assert created == now


@postgresql_only
def test_on_postgresql_an_entrys_link_to_a_post_may_only_be_emptied():
    post, other = PostFactory(), PostFactory()
    made = entry(post=post)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(
            "UPDATE moderation_auditentry SET post_id = %s WHERE id = %s", [other.pk, made.pk]
        )
    post.delete()  # Django empties the link; the entry stays
    assert AuditEntry.objects.get(pk=made.pk).post_id is None
