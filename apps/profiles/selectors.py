"""Read queries shared by profile pages and other apps."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePosixPath

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Case, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.accounts import usernames
from apps.accounts.lifecycle import MemberData
from apps.accounts.selectors import get_active_member
from apps.feed import selectors as feed_selectors
from apps.social import selectors as social

from .models import Profile, Theme

PEOPLE_SEARCH_LIMIT = 20
PEOPLE_SEARCH_MAX_WORDS = 5


def users_with_profiles() -> QuerySet:
    return get_user_model().objects.filter(is_active=True).select_related("profile")


def get_public_user(*, username: str):
    """Return the active user behind /u/<username>/, with their profile (see
    apps.accounts.selectors for how names match)."""
    return get_active_member(username, users_with_profiles())


def get_user_with_profile(*, pk: int):
    return get_object_or_404(users_with_profiles(), pk=pk)


def members_by_pk(pks: Iterable[int]) -> dict[int, AbstractBaseUser]:
    """Members with their profiles, active or not (moderators see suspended ones too)."""
    users = get_user_model().objects.filter(pk__in=list(pks)).select_related("profile")
    return {user.pk: user for user in users}


def theme_of(*, user: AbstractBaseUser) -> str:
    """The member's saved light/dark choice."""
    return Profile.objects.filter(user=user).values_list("theme", flat=True).first() or Theme.SYSTEM


def member_export(*, user: AbstractBaseUser) -> MemberData:
    """The member's profile for their data export, and the photo file to include."""
    profile = Profile.objects.filter(user=user).first()
    if profile is None:
        return MemberData({"profile": None})
    data = {
        "profile": {
            "bio": profile.bio,
            "member_since": profile.created,
            "presence_audience": profile.presence_audience,
            "appear_offline_since": profile.offline_since,
            "appear_offline_until": profile.offline_until,
            "theme": profile.theme,
            "first_steps_dismissed": profile.first_steps_dismissed,
            "last_seen": profile.last_seen,
            "photo": PurePosixPath(profile.photo.name).name if profile.photo else None,
        }
    }
    return MemberData(data, [("photo", profile.photo)] if profile.photo else [])


@dataclass(frozen=True)
class FirstStep:
    name: str
    done: bool


FIRST_STEPS_DAYS = 14


def first_steps(*, user: AbstractBaseUser, follows_anyone: bool) -> list[FirstStep] | None:
    """The new member's checklist (a photo, a bio, someone followed, a first post), each
    ticked from what is really there; None once all are done, once the member closed it, and
    for members who joined more than FIRST_STEPS_DAYS ago (no query for them).
    `follows_anyone` is the feed's own answer; the profile is the one the page's bar read."""
    if user.date_joined < timezone.now() - timedelta(days=FIRST_STEPS_DAYS):
        return None
    try:
        profile = user.profile
    except Profile.DoesNotExist:
        return None
    if profile.first_steps_dismissed:
        return None
    steps = [
        FirstStep("photo", bool(profile.photo)),
        FirstStep("bio", bool(profile.bio.strip())),
        FirstStep("follow", follows_anyone),
        FirstStep("post", feed_selectors.has_posts_by(authors=[user])),
    ]
    return None if all(step.done for step in steps) else steps


def search_people(
    *, viewer: AbstractBaseUser, query: str, limit: int = PEOPLE_SEARCH_LIMIT
) -> list[AbstractBaseUser]:
    """Return up to `limit` active members, with their profiles, whose handle, first name or
    last name holds each word of `query` (@handle or handle), the exact handle first;
    never one the viewer blocked or is blocked by. One query (and the viewer's blocks, read
    once per request)."""
    words = [word.lstrip("@") for word in usernames.normalize(query).replace("\x00", "").split()]
    words = [word for word in words if word][:PEOPLE_SEARCH_MAX_WORDS]
    if not words:
        return []
    found = users_with_profiles().exclude(pk__in=social.hidden_ids(viewer))
    for word in words:
        found = found.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
        )
    exact = Case(When(username__iexact=" ".join(words), then=Value(0)), default=Value(1))
    return list(found.order_by(exact, "username")[:limit])
