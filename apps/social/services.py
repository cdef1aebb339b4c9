"""Writes to follows, blocks and notifications. Every rule (not yourself, not across a block,
not twice) is enforced here; the views only ask."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, Q
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import Block, Follow, Kind, MutedKind, Notification

CANNOT_FOLLOW_SELF = _("You cannot follow yourself.")
CANNOT_BLOCK_SELF = _("You cannot block yourself.")
BLOCKED = _("You cannot follow this member.")


# --- Following -------------------------------------------------------------------------------


def follow(*, follower: AbstractBaseUser, followee: AbstractBaseUser) -> bool:
    """Make `follower` follow `followee`; return True if they did not already. Idempotent: a
    double click or two racing requests make one follow and one notification."""
    if not follower.is_authenticated:
        raise PermissionDenied("Log in to follow members.")
    if follower.pk == followee.pk:
        raise ValidationError(CANNOT_FOLLOW_SELF)
    if selectors.is_blocked_between(follower.pk, followee.pk):
        raise PermissionDenied(BLOCKED)
    try:
        with transaction.atomic():
            row = Follow.objects.create(follower=follower, followee=followee)
            notify(recipient=followee, actor=follower, kind=Kind.FOLLOW, target=row)
    except IntegrityError:
        return False  # already following, perhaps by a racing request
    return True


def unfollow(*, follower: AbstractBaseUser, followee: AbstractBaseUser) -> bool:
    """Stop following; the follow's notification goes with it. Idempotent."""
    deleted, _ = Follow.objects.filter(follower=follower, followee=followee).delete()
    return bool(deleted)


# --- Blocking --------------------------------------------------------------------------------


def block(*, blocker: AbstractBaseUser, blocked: AbstractBaseUser) -> bool:
    """Block a member: the follows between the two end, and what `blocked` was notified of
    about `blocker` and the other way round is removed. Idempotent."""
    if blocker.pk == blocked.pk:
        raise ValidationError(CANNOT_BLOCK_SELF)
    with transaction.atomic():
        try:
            with transaction.atomic():
                Block.objects.create(blocker=blocker, blocked=blocked)
        except IntegrityError:
            return False
        between = Q(follower=blocker, followee=blocked) | Q(follower=blocked, followee=blocker)
        Follow.objects.filter(between).delete()
        Notification.objects.filter(
            Q(recipient=blocker, actor=blocked) | Q(recipient=blocked, actor=blocker)
        ).delete()
    selectors.forget_blocks(blocker, blocked)
    return True


def unblock(*, blocker: AbstractBaseUser, blocked: AbstractBaseUser) -> bool:
    deleted, _ = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    selectors.forget_blocks(blocker, blocked)
    return bool(deleted)


# --- Notifications ---------------------------------------------------------------------------


def notify(
    *,
    recipient: AbstractBaseUser,
    actor: AbstractBaseUser,
    kind: Kind,
    target: Model,
    about: str = "",
) -> bool:
    """Tell `recipient` that `actor` did `kind`; `target` is the row that records the event
    (deleting it deletes the notification), `about` what bursts are grouped by. Nothing is
    sent for your own actions, across a block, for a kind the recipient switched off, or twice
    for the same event. Return whether a notification was made."""
    if recipient.pk == actor.pk or not recipient.is_active:
        return False
    if selectors.is_blocked_between(recipient.pk, actor.pk):
        return False
    if MutedKind.objects.filter(user=recipient, kind=kind).exists():
        return False
    try:
        with transaction.atomic():
            Notification.objects.create(
                recipient=recipient,
                actor=actor,
                kind=kind,
                target_type=ContentType.objects.get_for_model(target),
                target_id=target.pk,
                about=about,
            )
    except IntegrityError:
        return False  # this event was already told
    return True


def withdraw(*, target: Model) -> None:
    """Remove the notifications of an event that stays in the database but was taken back
    (a comment shown as "comment deleted")."""
    Notification.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=target.pk
    ).delete()


def mark_all_read(*, user: AbstractBaseUser) -> int:
    return Notification.objects.filter(recipient=user, read=False).update(read=True)


def set_muted_kinds(*, user: AbstractBaseUser, kinds: list[str]) -> None:
    """Switch off exactly these kinds of notification for the member, and on all others."""
    kinds = [kind for kind in kinds if kind in Kind.values]
    with transaction.atomic():
        MutedKind.objects.filter(user=user).exclude(kind__in=kinds).delete()
        MutedKind.objects.bulk_create(
            [MutedKind(user=user, kind=kind) for kind in kinds], ignore_conflicts=True
        )
