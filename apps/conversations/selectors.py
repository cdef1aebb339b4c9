"""Reads of conversations that pages share, with query counts that do not grow with what is
shown."""

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import PurePosixPath

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from apps.accounts.lifecycle import MemberData
from apps.social import selectors as social_selectors

from . import permissions, services
from .models import DELETE_FOR_EVERYONE_SECONDS, Conversation, Message, Participant

# Messages a conversation page shows at once, and each "Show older messages" adds.
THREAD_PAGE_SIZE = 30


@dataclass
class Thread:
    """One conversation as one member sees it."""

    conversation: Conversation
    me: Participant
    # The other members still in it (not those who left), each with its profile loaded.
    others: list[Participant]
    # Conversation of two: the other member (None once their account is gone).
    other: AbstractBaseUser | None = None
    # A block between the two members of a conversation of two: nobody writes in it.
    ended: bool = False
    # Why the viewer may not write now (None: they may).
    refusal: str | None = None
    # The ids of the members the viewer must not see (a block either way).
    hidden: set[int] = field(default_factory=set)

    @property
    def is_request(self) -> bool:
        """The conversation waits in the viewer's Requests."""
        return not self.me.accepted and self.me.left is None

    @property
    def has_left(self) -> bool:
        return self.me.left is not None

    @property
    def member_count(self) -> int:
        return len(self.others) + (0 if self.has_left else 1)

    @property
    def can_write(self) -> bool:
        return self.refusal is None


def get_thread(*, pk: int, viewer: AbstractBaseUser) -> Thread:
    """The conversation `pk` as `viewer` sees it; 404 unless they are (or were) a member, and
    for a member of a conversation of two whom the other blocked (its history is hidden from
    the blocked side)."""
    if not viewer.is_authenticated:
        raise Http404
    me = (
        Participant.objects.select_related("conversation")
        .filter(conversation_id=pk, user=viewer)
        .first()
    )
    if me is None:
        raise Http404
    conversation = me.conversation
    others = list(
        Participant.objects.filter(conversation=conversation, left__isnull=True)
        .exclude(user=viewer)
        .select_related("user__profile")
        .order_by("joined", "pk")
    )
    thread = Thread(conversation=conversation, me=me, others=others)
    thread.hidden = social_selectors.hidden_ids(viewer)
    if not conversation.is_group:
        thread.other = others[0].user if others else None
        if thread.other is not None:
            relation = social_selectors.blocks_and_mute(viewer, thread.other)
            if relation.blocked_by:
                raise Http404
            thread.ended = relation.apart
    thread.refusal = services.refusal_to_send(viewer, conversation)
    return thread


def visible_messages(thread: Thread) -> QuerySet[Message]:
    """The messages of the thread the viewer sees: those after what they hid, up to when
    they left, none from a member a block stands between them and, nor from a suspended
    one."""
    me = thread.me
    messages = Message.objects.filter(conversation=thread.conversation, pk__gt=me.cleared_id)
    if me.left is not None:
        messages = messages.filter(created__lte=me.left)
    if thread.hidden:
        messages = messages.exclude(sender_id__in=thread.hidden)
    # A suspended member's messages are hidden, as all they wrote is, until reinstated.
    return messages.exclude(sender__is_active=False)


@dataclass(frozen=True)
class MessagePage:
    """Messages oldest first; `older_than` is the id to page back from (None: the first)."""

    messages: list[Message]
    older_than: int | None


def page_of_messages(
    thread: Thread, *, viewer: AbstractBaseUser, before: int | None = None
) -> MessagePage:
    """The newest THREAD_PAGE_SIZE messages the viewer sees, older than message `before` when
    given (keyset paging by id), oldest first, each marked `mine` and `can_delete`. One
    query, however many are shown."""
    messages = visible_messages(thread).select_related("sender__profile")
    if before is not None:
        messages = messages.filter(pk__lt=before)
    rows = list(messages.order_by("-pk")[: THREAD_PAGE_SIZE + 1])
    more = len(rows) > THREAD_PAGE_SIZE
    rows = rows[:THREAD_PAGE_SIZE]
    rows.reverse()
    mark_messages(rows, viewer=viewer)
    return MessagePage(rows, rows[0].pk if more else None)


def mark_messages(messages: list[Message], *, viewer: AbstractBaseUser) -> list[Message]:
    """Set what the viewer may do with each message: `mine`, `can_delete` (their own, for
    everyone, within the hour), `can_report`."""
    since = timezone.now() - timedelta(seconds=DELETE_FOR_EVERYONE_SECONDS)
    for message in messages:
        message.mine = message.sender_id is not None and message.sender_id == viewer.pk
        message.can_delete = message.mine and not message.is_deleted and message.created > since
        # Another member's message may be reported to moderators (not a deleted member's).
        message.can_report = not (message.mine or message.is_deleted or message.sender_id is None)
    return messages


def get_message(thread: Thread, *, pk: int, viewer: AbstractBaseUser) -> Message:
    """One message of the thread the viewer sees, marked like a page's; 404 otherwise."""
    message = visible_messages(thread).select_related("sender__profile").filter(pk=pk).first()
    if message is None:
        raise Http404
    return mark_messages([message], viewer=viewer)[0]


def seen_by(thread: Thread, last: Message | None) -> list[Participant]:
    """The other members who have read up to `last` (the newest message shown) when it is
    the viewer's own; a member who hides their online status shows no "seen" either."""
    if last is None or not getattr(last, "mine", False):
        return []
    seen = []
    for other in thread.others:
        profile = getattr(other.user, "profile", None)
        if other.user_id in thread.hidden or profile is None or not profile.show_online_status:
            continue
        if other.last_read_id >= last.pk:
            seen.append(other)
    return seen


# --- Moderation and the member's lifecycle ----------------------------------------------------


def message_to_report(*, pk: int, viewer: AbstractBaseUser) -> Message:
    """Message `pk` for `viewer` to report: one they can see in a conversation they are in
    (404 otherwise, as for a non-member), with its sender; not one deleted for everyone."""
    message = Message.objects.filter(pk=pk, deleted__isnull=True).first()
    if message is None:
        raise Http404
    thread = get_thread(pk=message.conversation_id, viewer=viewer)
    return get_message(thread, pk=pk, viewer=viewer)


def messages_by_pk(ids: list[int]) -> dict[int, Message]:
    """Messages by id with their senders, whatever their state, for moderators: one query.
    Nothing else of their conversations is read."""
    return Message.objects.select_related("sender__profile").in_bulk(ids)


def member_export(*, user: AbstractBaseUser) -> MemberData:
    """What this app holds of the member, for their data export: the conversations they are
    in (with the other members' usernames), the messages they wrote, and those messages'
    images. What others wrote is theirs, not this member's, and is left out."""
    memberships = list(
        Participant.objects.filter(user=user).select_related("conversation").order_by("pk")
    )
    others: dict[int, list[str]] = {}
    rows = (
        Participant.objects.filter(conversation__in=[m.conversation_id for m in memberships])
        .exclude(user=user)
        .order_by("joined", "pk")
        .values_list("conversation_id", "user__username")
    )
    for conversation_id, username in rows:
        others.setdefault(conversation_id, []).append(username)
    written = list(Message.objects.filter(sender=user).order_by("pk"))
    data = {
        "conversations": [
            {
                "id": m.conversation_id,
                "group": m.conversation.is_group,
                "title": m.conversation.title,
                "with": others.get(m.conversation_id, []),
                "joined": m.joined,
                "left": m.left,
                "accepted": m.accepted,
            }
            for m in memberships
        ],
        "messages": [
            {
                "conversation": message.conversation_id,
                "created": message.created,
                "text": message.text,
                "image": PurePosixPath(message.image.name).name if message.image else None,
                "image_alt": message.image_alt,
                "deleted": message.deleted,
            }
            for message in written
        ],
        "who_may_message": permissions.who_may_write(user),
    }
    return MemberData(data, [("messages", m.image) for m in written if m.image])
