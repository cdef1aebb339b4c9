"""Read queries shared by profile pages and other apps."""

from pathlib import PurePosixPath

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404

from apps.core import usernames

from .models import Profile, Theme


def users_with_profiles() -> QuerySet:
    return get_user_model().objects.filter(is_active=True).select_related("profile")


def get_public_user(*, username: str):
    """Return the active user behind /u/<username>/, matched like signup: whatever the case
    and Unicode form (fullwidth /u/alice/ is alice's page), on the Lower(username) index."""
    username = usernames.normalize(username)
    if not usernames.ANY_NAME.fullmatch(username):
        raise Http404  # not a name anyone can have; no query
    users = users_with_profiles().annotate(handle=Lower("username"))
    return get_object_or_404(users, handle=username.lower())


def get_user_with_profile(*, pk: int):
    return get_object_or_404(users_with_profiles(), pk=pk)


def preferences_of(*, user: AbstractBaseUser) -> tuple[str, str]:
    """The member's saved interface language ("" to follow the browser) and theme."""
    row = Profile.objects.filter(user=user).values_list("language", "theme").first()
    return row or ("", Theme.SYSTEM)


def member_export(
    *, user: AbstractBaseUser
) -> tuple[dict[str, object], list[tuple[str, FieldFile]]]:
    """Return the member's profile for their data export, and the photo file to include."""
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        return {"profile": None}, []
    data = {
        "profile": {
            "bio": profile.bio,
            "member_since": profile.created,
            "show_online_status": profile.show_online_status,
            "language": profile.language,
            "theme": profile.theme,
            "last_seen": profile.last_seen,
            "photo": PurePosixPath(profile.photo.name).name if profile.photo else None,
        }
    }
    return data, [("photo", profile.photo)] if profile.photo else []
