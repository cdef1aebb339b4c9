"""Writes to profiles. Views and other apps call these; nothing else writes a Profile."""

from django.contrib.auth.base_user import AbstractBaseUser

from .models import Profile


def ensure_profile(*, user: AbstractBaseUser) -> Profile:
    """Return the user's profile, creating it if it is missing (a safety net for rows made
    before profiles existed or by raw SQL; every normal path creates it with the user)."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile
