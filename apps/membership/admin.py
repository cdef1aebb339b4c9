from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.profiles.models import Profile

from . import services


class ProfileInline(admin.StackedInline):
    """The member's profile at a glance; it is edited in the Profile admin, which profiles
    owns, so the user page never writes a Profile."""

    model = Profile
    can_delete = False
    fk_name = "user"
    fields = (
        "bio",
        "photo",
        "photo_thumbnail",
        "presence_audience",
        "is_online",
        "last_seen",
        "created",
    )
    readonly_fields = fields
    extra = 0
    max_num = 1

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [ProfileInline]
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "is_online",
        "is_staff",
        "date_joined",
    )
    list_filter = ("profile__is_online", "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "email", "first_name", "last_name")
    list_select_related = ("profile",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "language")}),
        *DjangoUserAdmin.fieldsets[2:],
    )
    ordering = ("-date_joined",)

    @admin.display(boolean=True, description="online", ordering="profile__is_online")
    def is_online(self, user: User) -> bool | None:
        profile = getattr(user, "profile", None)
        return profile.is_online if profile else None

    def get_inline_instances(self, request, obj=None):
        # On "add user" the Profile is created with the user; an inline form would make a second.
        return super().get_inline_instances(request, obj) if obj else []

    # Deleting members here goes through the same lifecycle as the account page: their files
    # go, and the counts and threads on other people's posts are mended.
    def delete_model(self, request, obj: User) -> None:
        services.delete_account(user=obj)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():  # all the selected members, or none
            for user in queryset:
                services.delete_account(user=user)
