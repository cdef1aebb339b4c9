"""On PostgreSQL the database itself keeps the audit log append-only: a trigger refuses every
DELETE, and every UPDATE but the one Django makes when an account an entry names is deleted
(moderator_id or subject_id set to NULL; the copied names stay). SQLite, the embedded
default for development, relies on the model's refusals alone."""

from django.db import migrations

CREATE = """
CREATE FUNCTION moderation_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'The audit log is append-only: entries cannot be deleted.';
    END IF;
    IF (NEW.id, NEW.created, NEW.moderator_name, NEW.action, NEW.subject_name, NEW.target,
        NEW.reason, NEW.reports_closed)
       IS DISTINCT FROM (OLD.id, OLD.created, OLD.moderator_name, OLD.action,
                         OLD.subject_name, OLD.target, OLD.reason, OLD.reports_closed)
       OR (NEW.moderator_id IS DISTINCT FROM OLD.moderator_id AND NEW.moderator_id IS NOT NULL)
       OR (NEW.subject_id IS DISTINCT FROM OLD.subject_id AND NEW.subject_id IS NOT NULL) THEN
        RAISE EXCEPTION 'The audit log is append-only: entries cannot be changed.';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER moderation_auditentry_append_only
    BEFORE UPDATE OR DELETE ON moderation_auditentry
    FOR EACH ROW EXECUTE FUNCTION moderation_auditentry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS moderation_auditentry_append_only ON moderation_auditentry;
DROP FUNCTION IF EXISTS moderation_auditentry_append_only();
"""


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
