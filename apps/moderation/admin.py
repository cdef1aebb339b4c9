"""Reports, suspensions and the audit log in the admin: to read. Moderators act on the site's
own pages (apps.moderation.views), where every action goes through the services and is
logged; the audit log can be neither changed nor deleted here.

Posts and comments are here too, to read, and for the one power the site's pages do not
give: a superuser deleting someone's post or comment for good ("Delete permanently"), with a
reason, through `services.erase`, which writes its audit entry. Django's own delete (the
delete page and the "delete selected" action) goes through that same path or not at all."""

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.feed.models import Comment, Post

from . import services
from .forms import ReasonForm
from .models import Appeal, AuditEntry, Report, Suspension
from .selectors import Thing


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(ReadOnly):
    list_display = ("created", "reporter", "reason", "post", "comment", "member", "message",
                    "resolution")  # fmt: skip
    list_filter = ("reason", "resolution")
    list_select_related = ("reporter", "post", "comment", "member", "message")
    # A message is named by its id only: what it says is for the moderators' queue.
    raw_id_fields = ("reporter", "post", "comment", "member", "message")


@admin.register(Suspension)
class SuspensionAdmin(ReadOnly):
    list_display = ("member", "since", "reason")
    list_select_related = ("member",)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly):
    list_display = ("created", "moderator_name", "action", "subject_name", "target", "reason")
    list_filter = ("action",)
    search_fields = ("moderator_name", "subject_name", "target")


class ErasableAdmin(ReadOnly):
    """Read-only, but a superuser may delete for good, giving a reason (audited)."""

    kind: str
    actions = ["erase_selected"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def get_actions(self, request: HttpRequest, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)  # unaudited: replaced by erase_selected
        return actions

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        raise PermissionDenied  # only through services.erase

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        raise PermissionDenied  # only through services.erase

    def delete_view(self, request: HttpRequest, object_id: str, extra_context=None):
        """Django's delete page, asking for the reason and deleting through the service."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_delete_permission(request, obj):
            raise PermissionDenied
        return self._erase(request, [obj], action=None)

    @admin.action(description=_("Delete permanently (audited)"), permissions=["delete"])
    def erase_selected(self, request: HttpRequest, queryset: QuerySet):
        return self._erase(request, list(queryset), action="erase_selected")

    def _erase(self, request: HttpRequest, objects: list, action: str | None) -> HttpResponse:
        """GET, or a POST without a reason: the page that asks for one. With it: delete each
        through the service, then back to the list."""
        form = ReasonForm(request.POST if "erase" in request.POST else None)
        changelist = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
        if form.is_valid():
            erased = 0
            for obj in objects:
                thing = Thing(self.kind, obj, obj.author)
                try:
                    services.erase(moderator=request.user, thing=thing,
                                   reason=form.cleaned_data["reason"])  # fmt: skip
                except (ValidationError, PermissionDenied) as error:
                    refusal = error.messages[0] if isinstance(error, ValidationError) else error
                    self.message_user(request, f"{obj}: {refusal}", messages.ERROR)
                else:
                    erased += 1
            if erased:
                done = ngettext("%(count)d deleted permanently; the audit log keeps why.",
                                "%(count)d deleted permanently; the audit log keeps why.",
                                erased)  # fmt: skip
                self.message_user(request, done % {"count": erased}, messages.SUCCESS)
            return HttpResponseRedirect(changelist)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Delete permanently"),
            "opts": self.opts,
            "objects": objects,
            "form": form,
            "action": action,
            "changelist": changelist,
        }
        return TemplateResponse(request, "admin/moderation/erase.html", context)


@admin.register(Post)
class PostAdmin(ErasableAdmin):
    kind = "post"
    list_display = ("title", "author", "created", "removed")
    list_filter = ("created", "removed")
    list_select_related = ("author",)
    search_fields = ("title", "author__username")
    fields = ("author", "title", "text", "tags", "image", "image_alt", "created", "edited",
              "removed", "like_count", "comment_count")  # fmt: skip


@admin.register(Comment)
class CommentAdmin(ErasableAdmin):
    kind = "comment"
    list_display = ("__str__", "author", "created", "removed", "is_deleted")
    list_filter = ("created", "removed")
    list_select_related = ("author", "post")
    search_fields = ("text", "author__username")
    fields = ("post", "author", "parent", "text", "created", "edited", "is_deleted", "removed")


@admin.register(Appeal)
class AppealAdmin(ReadOnly):
    list_display = ("created", "member", "entry", "outcome", "decided")
    list_filter = ("outcome",)
    list_select_related = ("member", "entry")
