"""On PostgreSQL the database keeps more of the audit log's promise: TRUNCATE is refused like
DELETE (a statement trigger: row triggers never see a TRUNCATE), every new entry gets the
database's own time whatever the INSERT says, and the links to the post or comment an entry is
about may only be emptied (when that post or comment is deleted), like the links to accounts.

The table's owner (or a superuser) can still disable or drop these triggers, or the table:
the app should run as a role that owns nothing (see the README)."""

from django.db import migrations

# The append-only check of 0002, with the link columns this migration's predecessor added.
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION moderation_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'The audit log is append-only: entries cannot be deleted.';
    END IF;
    IF (NEW.id, NEW.created, NEW.moderator_name, NEW.action, NEW.subject_name, NEW.target,
        NEW.reason, NEW.reports_closed)
       IS DISTINCT FROM (OLD.id, OLD.created, OLD.moderator_name, OLD.action,
                         OLD.subject_name, OLD.target, OLD.reason, OLD.reports_closed)
       OR (NEW.moderator_id IS DISTINCT FROM OLD.moderator_id AND NEW.moderator_id IS NOT NULL)
       OR (NEW.subject_id IS DISTINCT FROM OLD.subject_id AND NEW.subject_id IS NOT NULL)%s THEN
        RAISE EXCEPTION 'The audit log is append-only: entries cannot be changed.';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""
LINKS = """
       OR (NEW.post_id IS DISTINCT FROM OLD.post_id AND NEW.post_id IS NOT NULL)
       OR (NEW.comment_id IS DISTINCT FROM OLD.comment_id AND NEW.comment_id IS NOT NULL)"""

CREATE = """
CREATE FUNCTION moderation_auditentry_created_now() RETURNS trigger AS $$
BEGIN
    NEW.created := now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER moderation_auditentry_created_now
    BEFORE INSERT ON moderation_auditentry
    FOR EACH ROW EXECUTE FUNCTION moderation_auditentry_created_now();

CREATE FUNCTION moderation_auditentry_no_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only: it cannot be truncated.';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER moderation_auditentry_no_truncate
    BEFORE TRUNCATE ON moderation_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION moderation_auditentry_no_truncate();
"""

DROP = """
DROP TRIGGER IF EXISTS moderation_auditentry_no_truncate ON moderation_auditentry;
DROP FUNCTION IF EXISTS moderation_auditentry_no_truncate();
DROP TRIGGER IF EXISTS moderation_auditentry_created_now ON moderation_auditentry;
DROP FUNCTION IF EXISTS moderation_auditentry_created_now();
"""


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY % LINKS.rstrip())
        schema_editor.execute(CREATE)


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)
        schema_editor.execute(APPEND_ONLY % "")


class Migration(migrations.Migration):
    dependencies = [("moderation", "0003_appeals_and_audit_created_in_database")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
