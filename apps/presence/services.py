"""Online status writes. The Profile row is the source of truth for is_online/last_seen."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from apps.profiles.models import Profile


def mark_online(*, user: AbstractBaseUser) -> None:
    Profile.objects.filter(user=user).update(is_online=True, last_seen=timezone.now())


def mark_offline(*, user: AbstractBaseUser) -> None:
    Profile.objects.filter(user=user).update(is_online=False, last_seen=timezone.now())
