"""Tasks queued before core was split into subpackages name their function by its old path;
the worker imports a task by the path stored with it, so those rows are renamed, and mail
waiting in the queue at deploy time is still delivered."""

from django.db import migrations

RENAMED = {
    "apps.core.mail.deliver_mail": "apps.core.jobs.mail.deliver_mail",
    "apps.core.tasks.forget_kept_images": "apps.core.tasks.forget_pending_images",
}


def rename(apps, schema_editor, renamed=RENAMED):
    results = apps.get_model("django_tasks_database", "DBTaskResult").objects
    for old, new in renamed.items():
        results.filter(task_path=old).update(task_path=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [("django_tasks_database", "0021_conditional_partial_index_ordering")]

    operations = [migrations.RunPython(rename, rename_back, elidable=True)]
