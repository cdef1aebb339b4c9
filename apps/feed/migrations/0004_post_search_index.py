"""The GIN index behind post search, on PostgreSQL only: SQLite, the embedded default, has no
GIN and searches posts without an index (apps.feed.selectors.search_posts)."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations


class AddIndexOnPostgreSQL(migrations.AddIndex):
    """Build the index on PostgreSQL, do nothing elsewhere. The index stays out of the model
    state (and so out of Post.Meta): SQLite rebuilds a table for many later migrations, with
    every index in the state, and cannot build this one."""

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("feed", "0003_mentions"),
    ]

    operations = [
        # Exactly the expression of apps.feed.selectors.search_vector(), or no query uses it.
        AddIndexOnPostgreSQL(
            model_name="post",
            index=GinIndex(
                SearchVector("title", weight="A", config="simple")
                + SearchVector("text", weight="B", config="simple"),
                name="feed_post_search_idx",
            ),
        ),
    ]
