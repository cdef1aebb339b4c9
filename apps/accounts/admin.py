"""The operators' blocklists for signup: email domains and networks. (The user admin, with the
profile inline, is apps.membership's.)"""

from django.contrib import admin

from .models import BlockedNetwork, EmailDomainRule


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
