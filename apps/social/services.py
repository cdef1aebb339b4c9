"""Writes to follows, blocks, mutes and notifications. Every rule (not yourself, not across a
block, not twice) is enforced here; the views only ask."""

import html
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Model, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from apps.accounts import selectors as accounts_selectors
from apps.accounts import services as accounts

from . import selectors, targets
from .models import NOTICES, Block, Digest, Follow, Kind, Mute, MutedKind, Notification

logger = logging.getLogger(__name__)

CANNOT_FOLLOW_SELF = _("You cannot follow yourself.")
CANNOT_BLOCK_SELF = _("You cannot block yourself.")
CANNOT_MUTE_SELF = _("You cannot mute yourself.")
BLOCKED = _("You cannot follow this member.")
DIGEST_INTERVAL = timedelta(days=1)
DIGEST_LINES = 10


# --- Following -------------------------------------------------------------------------------


def follow(*, follower: AbstractBaseUser, followee: AbstractBaseUser) -> bool:
    """Make `follower` follow `followee`; return True if they did not already. Idempotent: a
    double click or two racing requests make one follow and one notification."""
    if not follower.is_authenticated:
        raise PermissionDenied("Log in to follow members.")
    if follower.pk == followee.pk:
        raise ValidationError(CANNOT_FOLLOW_SELF)
    try:
        with transaction.atomic():
            _lock_pair(follower, followee)  # a block landing now waits, or is seen
            if selectors.is_blocked_between(follower.pk, followee.pk):
                raise PermissionDenied(BLOCKED)
            row = Follow.objects.create(follower=follower, followee=followee)
            notify(recipient=followee, actor=follower, kind=Kind.FOLLOW, target=row)
    except IntegrityError:
        return False  # already following, perhaps by a racing request
    return True


def _lock_pair(a: AbstractBaseUser, b: AbstractBaseUser) -> None:
    """Lock both members' rows, always in the same order, so a follow and a block between
    them run one after the other (PostgreSQL; SQLite runs every write one at a time)."""
    users = get_user_model().objects.select_for_update().filter(pk__in=[a.pk, b.pk])
    list(users.order_by("pk").values_list("pk", flat=True))


def unfollow(*, follower: AbstractBaseUser, followee: AbstractBaseUser) -> bool:
    """Stop following; the follow's notification goes with it. Idempotent."""
    deleted, _ = Follow.objects.filter(follower=follower, followee=followee).delete()
    return bool(deleted)


# --- Blocking --------------------------------------------------------------------------------


def block(*, blocker: AbstractBaseUser, blocked: AbstractBaseUser) -> bool:
    """Block a member: the follows between the two end, and what either was told that the
    other did, or that happened under the other's posts, is removed. What either wrote under
    the other's posts is hidden from everyone but the post's author (the feed's rule, read
    at query time; its handlers recount). Idempotent."""
    if blocker.pk == blocked.pk:
        raise ValidationError(CANNOT_BLOCK_SELF)
    with transaction.atomic():
        _lock_pair(blocker, blocked)
        try:
            with transaction.atomic():
                Block.objects.create(blocker=blocker, blocked=blocked)
        except IntegrityError:
            return False
        between = Q(follower=blocker, followee=blocked) | Q(follower=blocked, followee=blocker)
        Follow.objects.filter(between).delete()
        _withdraw_between(blocker, blocked)
        _block_changed(blocker, blocked)
    selectors.forget_relations(blocker, blocked)
    return True


def unblock(*, blocker: AbstractBaseUser, blocked: AbstractBaseUser) -> bool:
    """Lift a block: what either wrote under the other's posts is shown again (what they
    were told is not: it was deleted). Idempotent."""
    with transaction.atomic():
        deleted, _ = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
        if deleted:
            _block_changed(blocker, blocked)
    selectors.forget_relations(blocker, blocked)
    return bool(deleted)


def _withdraw_between(one: AbstractBaseUser, other: AbstractBaseUser) -> None:
    """Delete the notifications that go stale across a block between `one` and `other`:
    those to either about the other's doing, and those about events under either's posts
    (targets registered with `where`) that the other caused or would follow to a 404."""
    stale = Q(recipient=one, actor=other) | Q(recipient=other, actor=one)
    for target in targets.under_posts():
        rows = target.model._default_manager
        under_one = rows.filter(**{target.where: one}).values("pk")
        under_other = rows.filter(**{target.where: other}).values("pk")
        stale |= Q(target_type=ContentType.objects.get_for_model(target.model)) & (
            Q(target_id__in=under_one) & (Q(actor=other) | Q(recipient=other))
            | Q(target_id__in=under_other) & (Q(actor=one) | Q(recipient=one))
        )
    Notification.objects.filter(stale).delete()


# Apps above this one keep things that depend on blocks (the feed counts the comments everyone
# sees, and a block hides some): social cannot import them, so they register a handler here in
# their AppConfig.ready(), called inside the transaction that makes or lifts a block.
_BLOCK_HANDLERS: list[Callable[..., object]] = []


def when_block_changes(handler: Callable[..., object]) -> None:
    """Call `handler(one=…, other=…)` whenever a block between two members is made or lifted."""
    if handler not in _BLOCK_HANDLERS:
        _BLOCK_HANDLERS.append(handler)


def _block_changed(one: AbstractBaseUser, other: AbstractBaseUser) -> None:
    for handler in _BLOCK_HANDLERS:
        handler(one=one, other=other)


# Apps above this one act on new notifications (push tells the member's browsers): they
# register here in their AppConfig.ready(), and are called once the notification is committed.
_NOTIFIED_HANDLERS: list[Callable[..., object]] = []


def when_notified(handler: Callable[..., object]) -> None:
    """Call `handler(recipient_id=…)` after each commit that made a notification for them."""
    if handler not in _NOTIFIED_HANDLERS:
        _NOTIFIED_HANDLERS.append(handler)


def _notified(recipient_id: int) -> None:
    for handler in _NOTIFIED_HANDLERS:
        # robust: what another app does about it never undoes or fails the member's action.
        transaction.on_commit(partial(handler, recipient_id=recipient_id), robust=True)


# --- Muting ----------------------------------------------------------------------------------


def mute(*, muter: AbstractBaseUser, muted: AbstractBaseUser) -> bool:
    """Mute a member for `muter` alone: their posts and comments leave the muter's feed and
    their notifications to the muter stop (those already made are hidden, not deleted, so
    unmuting brings them back). The muted member is not told. Idempotent."""
    if not muter.is_authenticated:
        raise PermissionDenied("Log in to mute members.")
    if muter.pk == muted.pk:
        raise ValidationError(CANNOT_MUTE_SELF)
    try:
        with transaction.atomic():
            Mute.objects.create(muter=muter, muted=muted)
    except IntegrityError:
        return False  # muted already, perhaps by a racing request
    finally:
        selectors.forget_relations(muter)
    return True


def unmute(*, muter: AbstractBaseUser, muted: AbstractBaseUser) -> bool:
    deleted, _ = Mute.objects.filter(muter=muter, muted=muted).delete()
    selectors.forget_relations(muter)
    return bool(deleted)


# --- Notifications ---------------------------------------------------------------------------


def notify(
    *,
    recipient: AbstractBaseUser,
    actor: AbstractBaseUser,
    kind: Kind,
    target: Model,
    about: str = "",
    where: int | None = None,
) -> bool:
    """Tell `recipient` that `actor` did `kind`; `target` is the row that records the event
    (deleting it deletes the notification), `about` what bursts are grouped by, `where` the
    member whose post it happened under. Nothing is sent for your own actions, across a block
    (between the recipient and the actor, or the post's author), from a member the recipient
    muted, for a kind the recipient switched off, or twice for the same event. Return whether
    a notification was made."""
    if recipient.pk == actor.pk or not recipient.is_active:
        return False
    others = (actor.pk,) if where is None else (actor.pk, where)
    if selectors.is_blocked_between(recipient.pk, *others):
        return False
    if MutedKind.objects.filter(user=recipient, kind=kind).exists():
        return False
    if Mute.objects.filter(muter=recipient, muted=actor).exists():
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
    _notified(recipient.pk)
    return True


def tell(*, recipient: AbstractBaseUser, kind: Kind, target: Model) -> bool:
    """Tell `recipient` of a decision about them that no other member made (moderators removed
    their post, suspended them, answered their appeal); `target` is the row that records it
    and says what the notice reads (targets.register). Unlike notify: it cannot be switched
    off, no block hides it, and it is kept for a suspended member, who reads it once back. Its
    actor is the member themself (a decision names no moderator). Return whether it was made
    (once per decision)."""
    if kind not in NOTICES:
        raise ValueError(f"{kind} is told by notify()")
    target_type = ContentType.objects.get_for_model(target)
    try:
        with transaction.atomic():
            Notification.objects.create(
                recipient=recipient,
                actor=recipient,
                kind=kind,
                target_type=target_type,
                target_id=target.pk,
                about=f"{target_type.pk}:{target.pk}",  # each decision a line of its own
            )
    except IntegrityError:
        return False
    _notified(recipient.pk)
    return True


def withdraw(
    *, target: Model, kind: Kind | None = None, recipients: set[int] | None = None
) -> None:
    """Remove the notifications of an event that stays in the database but was taken back
    (a comment shown as "comment deleted"), or only those of one kind to some members (the
    mentions edited out of a text)."""
    if recipients is not None and not recipients:
        return
    told = Notification.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=target.pk
    )
    if kind is not None:
        told = told.filter(kind=kind)
    if recipients is not None:
        told = told.filter(recipient_id__in=recipients)
    told.delete()


def withdraw_all(
    *, model: type[Model], ids: Iterable[int], except_recipient: int | None = None
) -> None:
    """Remove the notifications of many events of one model at once (the comments under a
    post moderators removed), except those to `except_recipient`."""
    told = Notification.objects.filter(
        target_type=ContentType.objects.get_for_model(model), target_id__in=ids
    )
    if except_recipient is not None:
        told = told.exclude(recipient_id=except_recipient)
    told.delete()


def mark_all_read(*, user: AbstractBaseUser) -> int:
    return Notification.objects.filter(recipient=user, read=False).update(read=True)


def mark_read_about(*, user: AbstractBaseUser, about: str) -> int:
    """Mark read the member's unread notifications about one thing (what their `about` groups
    by: "conversation:7"), once they have seen it where it is; return how many."""
    if not about:
        return 0  # "" groups the follows, which are not about one thing
    return Notification.objects.filter(recipient=user, about=about, read=False).update(read=True)


def mark_seen(*, user: AbstractBaseUser, lines: Iterable[selectors.NotificationGroup]) -> int:
    """Mark read the member's own unread notifications behind these lines of their page,
    as they were read: one that arrived since (newer than its line) stays unread. Idempotent;
    return how many were marked."""
    seen = Q()
    for line in lines:
        if line.unread:
            seen |= Q(kind=line.kind, about=line.about, created__lte=line.latest)
    if not seen:
        return 0
    return Notification.objects.filter(seen, recipient=user, read=False).update(read=True)


def save_settings(
    *, user: AbstractBaseUser, muted: list[str], digest: bool, language: str = ""
) -> None:
    """Switch off exactly the `muted` kinds of notification for the member (and on all
    others), and their email digest on or off. The digest speaks the member's language; one
    who never chose it keeps `language`, the one the site speaks to them now."""
    muted = [kind for kind in muted if kind in Kind.values]
    with transaction.atomic():
        MutedKind.objects.filter(user=user).exclude(kind__in=muted).delete()
        MutedKind.objects.bulk_create(
            [MutedKind(user=user, kind=kind) for kind in muted], ignore_conflicts=True
        )
        if digest:
            Digest.objects.get_or_create(user=user)
            if language and not user.language:
                accounts.set_language(user=user, language=language)
        else:
            Digest.objects.filter(user=user).delete()


def forget_old_notifications(*, now: datetime | None = None) -> int:
    """Delete notifications older than NOTIFICATION_RETENTION_DAYS, so a member's list (and
    the grouping behind it) stays the size of recent history; return how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.NOTIFICATION_RETENTION_DAYS)
    deleted, _ = Notification.objects.filter(created__lt=cutoff).delete()
    return deleted


# --- The email digest ------------------------------------------------------------------------


def send_digests(*, now: datetime | None = None) -> int:
    """Email every member who asked for the digest and has unread notifications newer than
    their last one, at most once per DIGEST_INTERVAL; return how many were sent. Each mail is
    queued (apps.core.jobs.mail) in the transaction that records it as sent, so a member gets it
    once, whichever worker runs this."""
    now = now or timezone.now()
    due = Q(last_sent__isnull=True) | Q(last_sent__lte=now - DIGEST_INTERVAL)
    sent = 0
    for pk in Digest.objects.filter(due, user__is_active=True).values_list("pk", flat=True):
        try:
            with transaction.atomic():
                digest = (
                    Digest.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("user")
                    .filter(due, pk=pk)
                    .first()
                )
                if digest is None:
                    continue  # another worker has it, or it was just sent
                since = digest.last_sent or now - DIGEST_INTERVAL
                if _mail_digest(digest, since=since):
                    sent += 1
                digest.last_sent = now
                digest.save(update_fields=["last_sent"])
        except Exception:  # one member's digest must not stop everyone else's
            logger.exception("Notification digest for user %s failed", pk)
    return sent


def _mail_digest(digest: Digest, *, since: datetime) -> bool:
    user = digest.user
    if accounts_selectors.verified_email(user) is None:
        return False  # only to an address the member proved is theirs
    new = Notification.objects.filter(recipient=user, read=False, created__gt=since).exclude(
        actor__in=Mute.objects.filter(muter=user).values("muted")
    )
    if not new.exists():
        return False
    with translation.override(user.language or settings.LANGUAGE_CODE):
        lines = [
            html.unescape(strip_tags(group.text)) + (f" {group.quote}" if group.quote else "")
            for group in selectors.notification_page(user).object_list
            if group.unread
        ][:DIGEST_LINES]
        context = {
            "user": user,
            "lines": lines,
            "unread": selectors.unread_count(user),
            "url": settings.SITE_URL + reverse("social:notifications"),
            "settings_url": settings.SITE_URL + reverse("social:settings"),
            "site_name": settings.SITE_NAME,
        }
        subject = render_to_string("social/email/digest_subject.txt", context).strip()
        body = render_to_string("social/email/digest_message.txt", context)
    send_mail(subject, body, None, [user.email])
    return True


# --- A member leaving ------------------------------------------------------------------------


def forget_member(*, user: AbstractBaseUser) -> None:
    """Delete the member's follows, blocks and mutes (both ways), the notifications to them
    and those they caused, and their notification switches."""
    Notification.objects.filter(Q(recipient=user) | Q(actor=user)).delete()
    Follow.objects.filter(Q(follower=user) | Q(followee=user)).delete()
    Block.objects.filter(Q(blocker=user) | Q(blocked=user)).delete()
    Mute.objects.filter(Q(muter=user) | Q(muted=user)).delete()
    MutedKind.objects.filter(user=user).delete()
    Digest.objects.filter(user=user).delete()


# --- Demo data -------------------------------------------------------------------------------


def backdate_follows(*, when: dict[tuple[AbstractBaseUser, AbstractBaseUser], datetime]) -> None:
    """Demo data only (apps.membership.demo): when each (follower, followee) follow was made,
    and its notification with it, so that the demo reads like weeks of use."""
    for (follower, followee), at in when.items():
        follow = Follow.objects.filter(follower=follower, followee=followee).first()
        if follow is not None:
            Follow.objects.filter(pk=follow.pk).update(created=at)
            backdate_notifications(when={follow: at})


def backdate_notifications(*, when: dict[Model, datetime]) -> None:
    """Demo data only: the notifications recorded by each row (a like, a comment, a follow)
    dated when the row is."""
    for row, at in when.items():
        Notification.objects.filter(
            target_type=ContentType.objects.get_for_model(row), target_id=row.pk
        ).update(created=at)


def mark_read_before(*, moment: datetime) -> int:
    """Demo data only: what members were told before `moment` has been read, as it would be
    after weeks of use; return how many notifications."""
    return Notification.objects.filter(created__lt=moment, read=False).update(read=True)
