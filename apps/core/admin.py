"""The task queue in the admin, without what a queued mail holds (reset and confirmation links
are in its body): staff see which task, its state and its error, not its arguments."""

from django.contrib import admin
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    def get_readonly_fields(self, request, obj=None) -> list[str]:
        fields = [name for name in super().get_readonly_fields(request, obj)
                  if name != "args_kwargs"]  # fmt: skip
        return [*fields[:1], "summary", *fields[1:]]

    @admin.display(description="what")
    def summary(self, result: DBTaskResult) -> str:
        message = result.args_kwargs.get("kwargs", {}).get("message")
        if isinstance(message, dict):
            return f"Mail to {', '.join(message.get('to', []))}: {message.get('subject', '')}"
        return result.task_path
