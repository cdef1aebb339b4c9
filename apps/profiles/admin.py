from django.contrib import admin

from .models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    """Staff correct a profile's text and settings here. Photos are read-only: a new one must
    go through the image pipeline (the member's own upload), never straight to storage."""

    list_display = ("user", "is_online", "last_seen", "presence_audience", "created")
    list_filter = ("is_online", "presence_audience")
    search_fields = ("user__username", "user__email", "user__first_name", "user__last_name")
    list_select_related = ("user",)
    readonly_fields = ("user", "photo", "photo_thumbnail", "created", "is_online", "last_seen")
    fields = ("user", "bio", "photo", "photo_thumbnail", "presence_audience",
              "created", "is_online", "last_seen")  # fmt: skip

    def has_add_permission(self, request) -> bool:
        return False  # Profiles come into existence with their user.
