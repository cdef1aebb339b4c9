"""Reports, suspensions and the audit log in the admin: to read. Moderators act on the site's
own pages (apps.moderation.views), where every action goes through the services and is
logged; the audit log can be neither changed nor deleted here."""

from django.contrib import admin

from .models import Appeal, AuditEntry, Report, Suspension


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(ReadOnly):
    list_display = ("created", "reporter", "reason", "post", "comment", "member", "resolution")
    list_filter = ("reason", "resolution")
    list_select_related = ("reporter", "post", "comment", "member")
    raw_id_fields = ("reporter", "post", "comment", "member")


@admin.register(Suspension)
class SuspensionAdmin(ReadOnly):
    list_display = ("member", "since", "reason")
    list_select_related = ("member",)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly):
    list_display = ("created", "moderator_name", "action", "subject_name", "target", "reason")
    list_filter = ("action",)
    search_fields = ("moderator_name", "subject_name", "target")


@admin.register(Appeal)
class AppealAdmin(ReadOnly):
    list_display = ("created", "member", "entry", "outcome", "decided")
    list_filter = ("outcome",)
    list_select_related = ("member", "entry")
