"""Read queries shared by profile pages and other apps."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

User = get_user_model()


def users_with_profiles() -> QuerySet:
    return User.objects.filter(is_active=True).select_related("profile")


def get_public_user(*, username: str):
    """The active user behind /u/<username>/, matched case-insensitively like signup does."""
    if "\x00" in username:  # PostgreSQL refuses NUL in text; no username contains one.
        raise Http404
    return get_object_or_404(users_with_profiles(), username__iexact=username)


def get_user_with_profile(*, pk: int):
    return get_object_or_404(users_with_profiles(), pk=pk)
