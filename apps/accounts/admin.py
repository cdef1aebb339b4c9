"""The operator's switch for who may sign up, read-only lists of invitations and applications
(moderators decide applications in their queue, members revoke their own links), and the
blocklists for signup: email domains and networks. (The user admin, with the profile inline,
is apps.membership's.)"""

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import (
    Application,
    BlockedNetwork,
    DisposableDomain,
    EmailDomainRule,
    Invitation,
    SignupPolicy,
)


@admin.register(SignupPolicy)
class SignupPolicyAdmin(admin.ModelAdmin):
    """One row: the list opens it (or the form for it, before the first save). A save takes
    effect at once in every worker (the model forgets the cached copy)."""

    fields = ("mode", "question")

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if SignupPolicy.objects.filter(pk=1).exists():
            return redirect("admin:accounts_signuppolicy_change", 1)
        return redirect("admin:accounts_signuppolicy_add")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not SignupPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        return {"mode": settings.REGISTRATION_MODE}


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("pk", "created_by", "created", "expires", "uses", "max_uses", "revoked")
    list_select_related = ("created_by",)
    readonly_fields = ("created_by", "created", "expires", "max_uses", "uses", "revoked")
    exclude = ("token",)
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected invitations"), permissions=["delete"])
    def revoke(self, request: HttpRequest, queryset) -> None:
        """Revoke each link and record it in the admin's history of that invitation (who,
        when), like any change made in the admin."""
        revoked = 0
        for invitation in queryset.select_related("created_by"):
            if services.revoke_invitation(invitation=invitation):
                self.log_change(request, invitation, [{"changed": {"fields": ["revoked"]}}])
                revoked += 1
        self.message_user(
            request,
            ngettext("%(count)d invitation revoked.", "%(count)d invitations revoked.", revoked)
            % {"count": revoked},
        )


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("user", "created", "status", "decided_by", "decided")
    list_filter = ("status",)
    list_select_related = ("user", "decided_by")
    readonly_fields = ("user", "question", "answer", "created", "status", "decided_by",
                       "decided", "reason")  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(EmailDomainRule)
class EmailDomainRuleAdmin(admin.ModelAdmin):
    list_display = ("domain", "action", "note", "created")
    list_filter = ("action",)
    search_fields = ("domain", "note")
    fields = ("domain", "action", "note")


@admin.register(BlockedNetwork)
class BlockedNetworkAdmin(admin.ModelAdmin):
    list_display = ("network", "note", "created")
    search_fields = ("network", "note")
    fields = ("network", "note")


@admin.register(DisposableDomain)
class DisposableDomainAdmin(admin.ModelAdmin):
    """The list an operator loaded with `manage.py update_email_blocklist`, to look a domain
    up; it is changed only as a whole, by that command (empty: the shipped list is used)."""

    search_fields = ("domain",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
