"""Writes to profiles. Nothing else writes a Profile: other apps call these functions.

`update_profile` is the atomic save of a profile section: its User fields and Profile fields
are saved together or not at all, only those fields are written, and a section that changed
since its form was opened is refused instead of silently overwritten. Which fields a section
owns is said once, in sections.SECTIONS.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.core.uploads import images, moderated

from .audiences import appearing_offline
from .models import AVATAR_SIZE, AVATAR_THUMBNAIL_SIZE, Profile

logger = logging.getLogger(__name__)
PHOTO_FIELDS = ("photo", "photo_thumbnail")


class StaleSection(Exception):
    """The data of these sections changed after the form was opened (another tab, device)."""

    def __init__(self, sections: list[str]) -> None:
        super().__init__(", ".join(sections))
        self.sections = sections


@dataclass(frozen=True)
class PhotoChange:
    """A new photo (the uploaded bytes) or, with data None, removal of the current one."""

    data: bytes | None


def create_profile(*, user: AbstractBaseUser) -> Profile:
    """Create the profile of a user who has just been created (signals.profile_for_new_user)."""
    return Profile.objects.create(user=user, created=user.date_joined)


def ensure_profile(*, user: AbstractBaseUser) -> Profile:
    """Return the user's profile, creating it if it is missing (a safety net for rows made
    before profiles existed or by raw SQL; every normal path creates it with the user)."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def section_token(section: str, user: AbstractBaseUser, profile: Profile) -> str:
    """Return a fingerprint of the current values of the fields the section owns, carried by
    its form."""
    # The table saves through this module (sections imports services): read it when called.
    from .sections import SECTIONS

    owner = SECTIONS[section]
    values = [str(getattr(user, name)) for name in owner.user_fields]
    values += [str(getattr(profile, name)) for name in owner.profile_fields]
    return hashlib.sha256("\x1f".join(values).encode()).hexdigest()[:20]


def update_profile(
    *,
    user: AbstractBaseUser,
    tokens: dict[str, str],
    user_fields: dict[str, object] | None = None,
    profile_fields: dict[str, object] | None = None,
    photo: PhotoChange | None = None,
) -> Profile:
    """Save the given User and Profile fields in one transaction.

    `tokens` maps each submitted section to the token its form was opened with; if any
    section changed since, StaleSection is raised and nothing is written. A new photo is
    validated and re-encoded before the transaction (raising images.InvalidImage), its files
    are removed again if the transaction fails, and the replaced files are deleted only after
    it commits.
    """
    user_fields = dict(user_fields or {})
    profile_fields = dict(profile_fields or {})
    storage = Profile._meta.get_field("photo").storage
    new_files: list[str] = []
    if photo is not None:
        if photo.data is None:
            profile_fields |= {"photo": "", "photo_thumbnail": ""}
        else:
            large, small = images.square_versions(photo.data, [AVATAR_SIZE, AVATAR_THUMBNAIL_SIZE])
            try:
                new_files.append(images.store(storage, "avatars", large))
                new_files.append(
                    images.store(storage, "avatars", small, suffix=f"-{AVATAR_THUMBNAIL_SIZE}")
                )
            except BaseException:
                images.delete_quietly(storage, new_files)
                raise
            profile_fields |= {"photo": new_files[0], "photo_thumbnail": new_files[1]}
    try:
        with transaction.atomic(durable=True):
            locked_user = get_user_model().objects.select_for_update().get(pk=user.pk)
            profile = Profile.objects.select_for_update().get(user=locked_user)
            stale = [
                section
                for section, token in tokens.items()
                if token != section_token(section, locked_user, profile)
            ]
            if stale:
                raise StaleSection(stale)
            replaced = [
                getattr(profile, name).name
                for name in ("photo", "photo_thumbnail")
                if name in profile_fields and getattr(profile, name)
            ]
            if user_fields:
                for name, value in user_fields.items():
                    setattr(locked_user, name, value)
                locked_user.full_clean(exclude=_other_fields(locked_user, user_fields))
                locked_user.save(update_fields=list(user_fields))
            if profile_fields:
                for name, value in profile_fields.items():
                    setattr(profile, name, value)
                profile.save(update_fields=list(profile_fields))
            if replaced:
                transaction.on_commit(lambda: images.delete_quietly(storage, replaced), robust=True)
    except BaseException:
        images.delete_quietly(storage, new_files)
        raise
    return profile


def _other_fields(instance, changing: dict[str, object]) -> list[str]:
    """Validate only what changes (and the constraints on it), not untouched legacy values."""
    return [f.name for f in instance._meta.fields if f.name not in changing]


def set_theme(*, user: AbstractBaseUser, theme: str) -> None:
    """Remember the member's light/dark choice; it follows them to every device."""
    Profile.objects.filter(user=user).update(theme=theme)


def dismiss_first_steps(*, user: AbstractBaseUser) -> None:
    """Hide the first-steps checklist for good, on every device."""
    Profile.objects.filter(user=user).update(first_steps_dismissed=True)


# --- Presence columns: the presence app decides when, these write -----------------------------


def set_online(*, user: AbstractBaseUser, online: bool, at: datetime) -> None:
    Profile.objects.filter(user=user).update(is_online=online, last_seen=at)


def appear_offline(*, user: AbstractBaseUser, until: datetime | None) -> Profile:
    """Show the member to everyone else as offline until `until` (None: until they turn it
    off), last seen at the moment it began. Chosen again while it lasts, only its end moves:
    the "last seen" others are shown stays where it was. Raise ValueError for an end that
    has already passed."""
    now = timezone.now()
    if until is not None and until <= now:
        raise ValueError("An appear-offline period must end in the future.")
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(user=user)
        if not appearing_offline(profile, now=now):
            profile.offline_since = now
        profile.offline_until = until
        profile.save(update_fields=["offline_since", "offline_until"])
    return profile


def stop_appearing_offline(*, user: AbstractBaseUser) -> bool:
    """Show the member as they are again, from now: active, as turning it off is. The period
    is kept, ended now, so that what they did during it never shows
    (audiences.frozen_since). Return whether they were appearing offline."""
    now = timezone.now()
    on = Profile.objects.filter(user=user, offline_since__isnull=False).filter(
        Q(offline_until__isnull=True) | Q(offline_until__gt=now)
    )
    return on.update(offline_until=now, is_online=True, last_seen=now) > 0


def record_activity(*, user_id: int, at: datetime, unless_seen_since: datetime) -> bool:
    """Mark the user online as of `at`, unless they already are with activity recorded at or
    after `unless_seen_since` (a conditional UPDATE, so racing workers write once). Return
    whether a row was written."""
    return bool(
        Profile.objects.filter(user_id=user_id)
        .filter(Q(is_online=False) | Q(last_seen__isnull=True) | Q(last_seen__lt=unless_seen_since))
        .update(is_online=True, last_seen=at)
    )


def clear_online(*, silent_since: datetime) -> list[int]:
    """Mark offline everyone still online with no activity since `silent_since`; return the
    ids of the members it marked (those a racing touch kept online are left out)."""
    silent = Profile.objects.filter(is_online=True).filter(
        Q(last_seen__lt=silent_since) | Q(last_seen__isnull=True)
    )
    ids = list(silent.values_list("user_id", flat=True))
    if not ids:
        return []
    with transaction.atomic():
        marked = list(
            silent.filter(user_id__in=ids).select_for_update().values_list("user_id", flat=True)
        )
        silent.filter(user_id__in=marked).update(is_online=False)
    return marked


# --- Moderation ------------------------------------------------------------------------------


def clear_profile(*, user: AbstractBaseUser) -> bool:
    """Moderators removed what a profile shows: the name, the bio and the photo go (the photo
    files once the transaction commits); the username stays, it is the member's handle.
    Return False if there was nothing left to clear."""
    ensure_profile(user=user)
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(user=user)
        names = [f.name for f in (profile.photo, profile.photo_thumbnail) if f]
        if not (names or profile.bio or user.first_name or user.last_name):
            return False
        Profile.objects.filter(pk=profile.pk).update(bio="", photo="", photo_thumbnail="")
        get_user_model().objects.filter(pk=user.pk).update(first_name="", last_name="")
        if names:
            storage = Profile._meta.get_field("photo").storage
            transaction.on_commit(lambda: images.delete_quietly(storage, names), robust=True)
    return True


def place_photos(*, user: AbstractBaseUser | None = None) -> int:
    """Move the photo files of `user`'s profile, or (with no user) of every profile, to where
    the member's state says: out of the public media folder while they are suspended, back
    once they are reinstated. Call it after the change of state commits. Return how many
    files moved; one the storage fails to move is logged and stays put (the next call, or the
    hourly sweep, tries again)."""
    profiles = Profile.objects.all() if user is None else Profile.objects.filter(user=user)
    storage = Profile._meta.get_field("photo").storage
    moved = 0
    for field in PHOTO_FIELDS:
        outside = Q(**{f"{field}__startswith": moderated.PREFIX})
        hidden = Q(user__is_active=False)
        misplaced = profiles.exclude(**{field: ""}).filter(
            (hidden & ~outside) | (~hidden & outside)
        )
        for pk, user_id, name in misplaced.values_list("pk", "user_id", field):
            try:
                new = moderated.move_across(storage, name, owner_id=user_id)
            except Exception:
                logger.exception("Could not move the photo %s of profile %s", name, pk)
                continue
            # Only if the profile still has that photo (it may have changed meanwhile).
            if Profile.objects.filter(pk=pk, **{field: name}).update(**{field: new}):
                moved += 1
            else:
                images.delete_quietly(storage, [new])
    return moved


# --- A member leaving ------------------------------------------------------------------------


def forget_member(*, user: AbstractBaseUser) -> None:
    """Delete the member's profile, and its photo files once the deletion commits."""
    names = [
        name
        for name in Profile.objects.filter(user=user)
        .values_list("photo", "photo_thumbnail")
        .first()
        or []
        if name
    ]
    Profile.objects.filter(user=user).delete()
    if names:
        storage = Profile._meta.get_field("photo").storage
        transaction.on_commit(lambda: images.delete_quietly(storage, names), robust=True)
