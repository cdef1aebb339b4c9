"""Writes to conversations. Every write checks here who may do it; nothing else writes the
app's tables."""

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.uploads import images
from apps.social import selectors as social_selectors
from apps.social import services as social
from apps.social.models import Kind

from .models import (
    DELETE_FOR_EVERYONE_SECONDS,
    GROUP_MAX_MEMBERS,
    IMAGE_PREFIX,
    Conversation,
    Message,
    Participant,
    Preferences,
)
from .permissions import SUSPENDED, refusal_to_group, refusal_to_start

IMAGE_MAX_SIDE = 2048
logger = logging.getLogger(__name__)

CANNOT_WRITE = _("You cannot write in this conversation.")
BLOCKED_HERE = _("This conversation has ended: one of you blocked the other.")
LEFT = _("You left this conversation.")
TOO_MANY = _("A group has at most %(limit)s members.")
ONLY_STARTER_ADDS = _("Only the member who started this group can add people to it.")
TOO_LATE_TO_DELETE = _("A message can be deleted for everyone only within an hour of sending it.")


class CannotWrite(PermissionDenied):
    """A refused write, with the sentence the member is shown."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = str(message)


def pair_key(one: int, other: int) -> str:
    low, high = sorted((one, other))
    return f"{low}:{high}"


def _store(conversation: Conversation, data: bytes) -> tuple[str, int, int]:
    storage = Message._meta.get_field("image").storage
    encoded = images.bounded_version(data, IMAGE_MAX_SIDE)
    folder = f"{IMAGE_PREFIX}{conversation.pk}"
    return images.store(storage, folder, encoded), encoded.width, encoded.height


def _sent_before(sender, conversation, client_token) -> Message | None:
    if client_token is None:
        return None
    return Message.objects.filter(
        sender=sender, conversation=conversation, client_token=client_token
    ).first()


def _follows(user: AbstractBaseUser, other_id: int) -> bool:
    """Whether `user` follows member `other_id`: one row looked up, not their whole list."""
    return other_id in social_selectors.followed_among(user, [other_id])


def start_conversation(
    *,
    starter: AbstractBaseUser,
    members: Iterable[AbstractBaseUser],
    text: str,
    image: bytes | None = None,
    image_alt: str = "",
    title: str = "",
    client_token: uuid.UUID | None = None,
) -> Message:
    """Write the first message to `members`: one of them is a conversation of two (the same
    one again if the two have one), several a new group (the starter and at most
    GROUP_MAX_MEMBERS - 1 others). A member who does not follow the starter finds it in
    their Requests. Raises CannotWrite, naming the first member who may not be written to.
    Returns the message."""
    if client_token is not None and (
        sent := Message.objects.filter(sender=starter, client_token=client_token).first()
    ):
        return sent  # the same form sent again: a group is not made twice
    others = list({m.pk: m for m in members if m.pk != starter.pk}.values())
    if not others:
        raise CannotWrite(_("Choose at least one member to write to."))
    if len(others) + 1 > GROUP_MAX_MEMBERS:
        raise CannotWrite(TOO_MANY % {"limit": GROUP_MAX_MEMBERS})
    if len(others) == 1:
        existing = Conversation.objects.filter(pair=pair_key(starter.pk, others[0].pk)).first()
        if existing is not None:
            mine = Participant.objects.filter(conversation=existing, user=starter).first()
            theirs = Participant.objects.filter(conversation=existing, user=others[0]).first()
            if mine and theirs:
                return send_message(
                    sender=starter, conversation=existing, text=text, image=image,
                    image_alt=image_alt, client_token=client_token,
                )  # fmt: skip
    for other in others:
        if reason := refusal_to_start(starter, other):
            raise CannotWrite(reason)
        if len(others) > 1 and (reason := refusal_to_group(other, [o.pk for o in others])):
            raise CannotWrite(reason)
    now = timezone.now()
    with transaction.atomic():
        if len(others) == 1:
            conversation, _created = Conversation.objects.get_or_create(
                pair=pair_key(starter.pk, others[0].pk),
                defaults={"starter": starter, "created": now},
            )
        else:
            conversation = Conversation.objects.create(
                starter=starter, is_group=True, title=title.strip(), created=now
            )
        Participant.objects.get_or_create(conversation=conversation, user=starter)
        for other in others:
            accepted = _follows(other, starter.pk)
            Participant.objects.get_or_create(
                conversation=conversation, user=other, defaults={"accepted": accepted}
            )
        return send_message(
            sender=starter, conversation=conversation, text=text, image=image,
            image_alt=image_alt, client_token=client_token,
        )  # fmt: skip


def refusal_to_send(sender: AbstractBaseUser, conversation: Conversation) -> str | None:
    """Why `sender` may not write in `conversation` now, or None."""
    me = Participant.objects.filter(conversation=conversation, user=sender).first()
    if me is None:
        return str(CANNOT_WRITE)
    if me.left is not None:
        return str(LEFT)
    if not conversation.is_group:
        other = (
            Participant.objects.filter(conversation=conversation)
            .exclude(user=sender)
            .select_related("user")
            .first()
        )
        if other is None:
            return str(CANNOT_WRITE)  # the other member deleted their account
        if social_selectors.is_blocked_between(sender.pk, other.user_id):
            return str(BLOCKED_HERE)
        if not other.user.is_active:
            return SUSPENDED % {"name": other.user.display_name}
        if not other.accepted:
            # Still a request for them (or one they declined): whether they take messages
            # from the sender is asked again, so "Nobody" chosen since stops it.
            return refusal_to_start(sender, other.user)
    return None


def send_message(
    *,
    sender: AbstractBaseUser,
    conversation: Conversation,
    text: str,
    image: bytes | None = None,
    image_alt: str = "",
    client_token: uuid.UUID | None = None,
) -> Message:
    """Add a message; the sender has read everything up to it, and a reply accepts a request.
    A retry with the same `client_token` returns the message it made. Raises CannotWrite,
    and images.InvalidImage for a bad image (the file never outlives a failed save)."""
    if sent := _sent_before(sender, conversation, client_token):
        return sent
    if reason := refusal_to_send(sender, conversation):
        raise CannotWrite(reason)
    storage = Message._meta.get_field("image").storage
    stored, width, height = _store(conversation, image) if image else ("", None, None)
    try:
        with transaction.atomic():
            now = timezone.now()
            message = Message(conversation=conversation, sender=sender, text=text.strip(),
                              image_alt=image_alt if stored else "", created=now,
                              client_token=client_token)  # fmt: skip
            message.image.name = stored
            message.image_width, message.image_height = width, height
            message.save()
            Conversation.objects.filter(pk=conversation.pk).update(
                last_message_id=message.pk, last_message_at=now
            )
            Participant.objects.filter(conversation=conversation, left__isnull=True).update(
                sorted_at=now
            )
            Participant.objects.filter(conversation=conversation, user=sender).update(
                last_read_id=message.pk, last_read_at=now, accepted=True
            )
            conversation.last_message_id, conversation.last_message_at = message.pk, now
            _notify(message)
            # Whoever writes has read what they answer: the bell's line for it goes too.
            social.mark_read_about(user=sender, about=about(conversation.pk))
    except IntegrityError:
        images.delete_quietly(storage, [stored])
        if sent := _sent_before(sender, conversation, client_token):
            return sent
        raise
    except BaseException:
        images.delete_quietly(storage, [stored])
        raise
    return message


def about(conversation_id: int) -> str:
    """What a conversation's notifications are grouped by: one line in the bell for each."""
    return f"conversation:{conversation_id}"


def _notify(message: Message) -> None:
    """Tell the other members of the conversation of a new message: those in it (not left)
    who accepted it; a request waits in the Requests tab, unannounced. social.notify leaves
    out whom a block, a mute or a switched-off kind should spare."""
    members = Participant.objects.filter(
        conversation_id=message.conversation_id, left__isnull=True, accepted=True
    ).exclude(user_id=message.sender_id)
    for member in members.select_related("user"):
        social.notify(recipient=member.user, actor=message.sender, kind=Kind.MESSAGE,
                      target=message, about=about(message.conversation_id))  # fmt: skip


def mark_read(*, user: AbstractBaseUser, conversation: Conversation, up_to: int) -> bool:
    """The member has seen the conversation up to message `up_to` (never moves back); the
    bell's line for it is read too."""
    moved = bool(
        Participant.objects.filter(
            conversation=conversation, user=user, last_read_id__lt=up_to
        ).update(last_read_id=up_to, last_read_at=timezone.now())
    )
    if moved:
        social.mark_read_about(user=user, about=about(conversation.pk))
    return moved


def accept_request(*, user: AbstractBaseUser, conversation: Conversation) -> bool:
    return bool(
        Participant.objects.filter(conversation=conversation, user=user, accepted=False).update(
            accepted=True
        )
    )


def hide_conversation(*, user: AbstractBaseUser, conversation: Conversation) -> bool:
    """Clear the conversation for this member: what is in it now is gone from their view, and
    it leaves their list until someone writes again (a declined request too), and the bell's
    line for it is read."""
    hidden = Participant.objects.filter(conversation=conversation, user=user).update(
        cleared_id=conversation.last_message_id,
        last_read_id=conversation.last_message_id,
    )
    social.mark_read_about(user=user, about=about(conversation.pk))
    return bool(hidden)


def leave_conversation(*, user: AbstractBaseUser, conversation: Conversation) -> bool:
    """Leave a group: the member sees nothing newer and may not write; it leaves their list,
    and the bell's line for it is read. What was written before they left stays readable to
    them (hiding it clears it)."""
    if not conversation.is_group:
        raise CannotWrite(_("Only a group can be left; hide this conversation instead."))
    last = conversation.last_message_id
    mine = Participant.objects.filter(conversation=conversation, user=user, left__isnull=True)
    left = mine.update(left=timezone.now(), last_read_id=last)
    social.mark_read_about(user=user, about=about(conversation.pk))
    return bool(left)


def add_members(
    *, by: AbstractBaseUser, conversation: Conversation, members: Iterable[AbstractBaseUser]
) -> list[AbstractBaseUser]:
    """Add members to a group (its starter only), each as if written to first; return those
    added. Raises CannotWrite with the first refusal, adding nobody."""
    if not conversation.is_group or conversation.starter_id != by.pk:
        raise CannotWrite(ONLY_STARTER_ADDS)
    if reason := refusal_to_send(by, conversation):
        raise CannotWrite(reason)
    with transaction.atomic():
        # Read under the lock: a message sent meanwhile is not shown to the new members.
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        present = set(
            Participant.objects.filter(conversation=conversation, left__isnull=True).values_list(
                "user_id", flat=True
            )
        )
        new = [m for m in {m.pk: m for m in members}.values() if m.pk not in present]
        if len(present) + len(new) > GROUP_MAX_MEMBERS:
            raise CannotWrite(TOO_MANY % {"limit": GROUP_MAX_MEMBERS})
        everyone = [*present, *(m.pk for m in new)]
        for member in new:
            if reason := refusal_to_start(by, member) or refusal_to_group(member, everyone):
                raise CannotWrite(reason)
        now = timezone.now()
        for member in new:
            accepted = _follows(member, by.pk)
            # Someone who left and is added again sees what is written from now on.
            Participant.objects.update_or_create(
                conversation=conversation, user=member,
                defaults={"left": None, "accepted": accepted, "joined": now, "sorted_at": now,
                          "cleared_id": conversation.last_message_id,
                          "last_read_id": conversation.last_message_id},
            )  # fmt: skip
    return new


def delete_message(*, user: AbstractBaseUser, message: Message) -> Message:
    """Delete a message for everyone: its sender only, within DELETE_FOR_EVERYONE_SECONDS.
    The text and image go; a placeholder stays in its place."""
    if message.sender_id != user.pk:
        raise CannotWrite(CANNOT_WRITE)
    if message.is_deleted:
        return message
    if timezone.now() - message.created > timedelta(seconds=DELETE_FOR_EVERYONE_SECONDS):
        raise CannotWrite(TOO_LATE_TO_DELETE)
    _blank(message)
    message.refresh_from_db()
    return message


def remove_message(*, message: Message) -> bool:
    """Delete a message for everyone on moderators' decision (apps.moderation checks who
    decides): as its sender's own deletion, whatever its age. Return False if it was deleted
    already."""
    if not _blank(message):
        return False
    message.refresh_from_db()
    return True


def _blank(message: Message) -> bool:
    """Delete the message's text and image for everyone (the file once this commits) and
    take back what it told; a placeholder stays. Return False if it was deleted already."""
    storage = Message._meta.get_field("image").storage
    with transaction.atomic():
        name = message.image.name
        done = Message.objects.filter(pk=message.pk, deleted__isnull=True).update(
            text="", image="", image_alt="", image_width=None, image_height=None,
            deleted=timezone.now(),
        )  # fmt: skip
        if not done:
            return False
        social.withdraw(target=message)
        if name:
            transaction.on_commit(lambda: images.delete_quietly(storage, [name]))
    return True


def save_preferences(*, user: AbstractBaseUser, who_may_write: str) -> Preferences:
    preferences, _created = Preferences.objects.update_or_create(
        user=user, defaults={"who_may_write": who_may_write}
    )
    return preferences


def forget_member(*, user: AbstractBaseUser) -> None:
    """Delete the member's part: their participation and preferences. Their messages stay for
    the others, from "deleted member" (the sender becomes NULL with the user row); a
    conversation nobody is left in goes, with its messages and images."""
    storage = Message._meta.get_field("image").storage
    conversation_ids = list(
        Participant.objects.filter(user=user).values_list("conversation_id", flat=True)
    )
    Participant.objects.filter(user=user).delete()
    Preferences.objects.filter(user=user).delete()
    empty = Conversation.objects.filter(pk__in=conversation_ids).exclude(
        Q(participants__isnull=False)
    )
    names = list(
        Message.objects.filter(conversation__in=empty)
        .exclude(image="")
        .values_list("image", flat=True)
    )
    empty.delete()
    if names:
        transaction.on_commit(lambda: images.delete_quietly(storage, names))


def backdate(*, messages: dict[Message, datetime]) -> None:
    """Demo data only (apps.membership.demo): when each message was sent, and with them when
    its conversation began and last moved, and when each member joined and read it, so that
    the demo reads like days of use rather than one second."""
    for message, at in messages.items():
        Message.objects.filter(pk=message.pk).update(created=at)
    ids = {message.conversation_id for message in messages}
    sent, times = {}, {}
    rows = Message.objects.filter(conversation__in=ids).values_list("pk", "conversation", "created")
    for pk, conversation_id, created in rows:
        sent[pk] = created
        times.setdefault(conversation_id, []).append(created)
    for conversation in Conversation.objects.filter(pk__in=ids).prefetch_related("participants"):
        first, last = min(times[conversation.pk]), max(times[conversation.pk])
        Conversation.objects.filter(pk=conversation.pk).update(created=first, last_message_at=last)
        for participant in conversation.participants.all():
            Participant.objects.filter(pk=participant.pk).update(
                joined=first, sorted_at=last, last_read_at=sent.get(participant.last_read_id)
            )
    social.backdate_notifications(when=messages)
