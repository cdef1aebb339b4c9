"""Writes to a member's push settings: the browsers they turned push on in, the kinds they want
pushed, their quiet hours; and forgetting subscriptions whose session ended."""

from collections.abc import Iterable
from datetime import time

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction

from apps.social.forms import SWITCHABLE

from .models import MutedKind, Preferences, Subscription

PUSHABLE = [kind for kind, _label in SWITCHABLE]
# In the session: the subscription it made, so that a new session key (a password change)
# carries it along.
SESSION_SUBSCRIPTION = "push_subscription"


def subscribe(
    *,
    user: AbstractBaseUser,
    endpoint: str,
    p256dh: str,
    auth: str,
    device: str,
    session_key: str,
    time_zone: str = "",
) -> Subscription:
    """Keep the browser's subscription (checked by forms.SubscriptionForm) for the member, in
    this session. An endpoint is one browser profile: held by another member (the same browser,
    another account signed in since), it becomes this member's, and whatever was still owed to
    the other is dropped so it never reaches this one."""
    with transaction.atomic():
        existing = Subscription.objects.select_for_update().filter(endpoint=endpoint).first()
        if existing is not None and existing.user_id != user.pk:
            existing.messages.all().delete()
            existing.delete()
            existing = None
        values = {"p256dh": p256dh, "auth": auth, "device": device, "session_key": session_key}
        if existing is None:
            try:
                with transaction.atomic():
                    subscription = Subscription.objects.create(
                        user=user, endpoint=endpoint, **values
                    )
            except IntegrityError:  # the same browser's two tabs at once: one row, this one's
                Subscription.objects.filter(endpoint=endpoint).update(user=user, **values)
                subscription = Subscription.objects.get(endpoint=endpoint)
        else:
            Subscription.objects.filter(pk=existing.pk).update(**values)
            subscription = existing
        if time_zone:
            Preferences.objects.update_or_create(user=user, defaults={"time_zone": time_zone})
        # A member has a handful of browsers; past PUSH_MAX_BROWSERS the oldest go, so that no
        # account makes each of its notifications a flood of requests for the worker.
        kept = Subscription.objects.filter(user=user).order_by("-created", "-pk")
        extra = kept.values_list("pk", flat=True)[settings.PUSH_MAX_BROWSERS :]
        Subscription.objects.filter(pk__in=list(extra)).delete()
    return subscription


def replace(*, user: AbstractBaseUser, endpoint: object) -> bool:
    """Forget the member's subscription at `endpoint`, which the browser renewed; False (and
    nothing forgotten) if they hold none there."""
    if not isinstance(endpoint, str) or not endpoint:
        return False
    return unsubscribe(user=user, endpoint=endpoint)


def unsubscribe(*, user: AbstractBaseUser, endpoint: str) -> bool:
    """Forget the member's subscription at `endpoint` (this browser turned push off); False if
    they had none there."""
    deleted, _ = Subscription.objects.filter(user=user, endpoint=endpoint).delete()
    return bool(deleted)


def remove_device(*, user: AbstractBaseUser, subscription_id: int) -> bool:
    """Forget one of the member's subscriptions; False if `subscription_id` is not theirs."""
    deleted, _ = Subscription.objects.filter(user=user, pk=subscription_id).delete()
    return bool(deleted)


def save_preferences(
    *,
    user: AbstractBaseUser,
    muted: Iterable[str],
    quiet_from: time | None,
    quiet_until: time | None,
    time_zone: str = "",
    keep: Iterable[str] = (),
) -> None:
    """Push exactly the kinds not in `muted` (kinds in `keep` stay as they are: the form did
    not offer them), and keep quiet hours from `quiet_from` to `quiet_until` (both None: none)
    in `time_zone` when given, else in the one already recorded."""
    keep = set(keep)
    muted = {kind for kind in muted if kind in PUSHABLE and kind not in keep}
    decided = [kind for kind in PUSHABLE if kind not in keep]
    with transaction.atomic():
        MutedKind.objects.filter(user=user, kind__in=decided).exclude(kind__in=muted).delete()
        MutedKind.objects.bulk_create(
            [MutedKind(user=user, kind=kind) for kind in sorted(muted)], ignore_conflicts=True
        )
        values: dict[str, object] = {"quiet_from": quiet_from, "quiet_until": quiet_until}
        if time_zone:
            values["time_zone"] = time_zone
        Preferences.objects.update_or_create(user=user, defaults=values)


def forget_sessions(*, session_keys: Iterable[str]) -> int:
    """Forget the subscriptions made in sessions that ended (signed out, ended from the
    sessions page, signed out everywhere, the account suspended): a browser no longer signed
    in as the member must not show their notifications. Return how many."""
    keys = [key for key in session_keys if key]
    if not keys:
        return 0
    deleted, _ = Subscription.objects.filter(session_key__in=keys).delete()
    return deleted


def forget_browsers(*, user: AbstractBaseUser) -> int:
    """Forget every browser the member gets push notifications in (their account suspended:
    signed out everywhere), with what was still owed to them; their kinds and quiet hours stay
    for when they are back. Return how many."""
    deleted, _ = Subscription.objects.filter(user=user).delete()
    return deleted


def follow_session(*, subscription_id: int, user: AbstractBaseUser, session_key: str) -> None:
    """The browser's session got a new key (a password change keeps the member signed in under
    a new one): its subscription follows, so ending the session still ends it."""
    Subscription.objects.filter(pk=subscription_id, user=user).update(session_key=session_key)


def forget_member(*, user: AbstractBaseUser) -> None:
    """Delete the member's subscriptions (with what was still owed to them), push settings
    and muted kinds."""
    forget_browsers(user=user)
    MutedKind.objects.filter(user=user).delete()
    Preferences.objects.filter(user=user).delete()
