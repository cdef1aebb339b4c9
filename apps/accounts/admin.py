"""The operators' blocklists for signup: email domains and networks. (The user admin, with the
profile inline, is apps.membership's.)"""

from django.contrib import admin

from .models import BlockedNetwork, DisposableDomain, EmailDomainRule


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
