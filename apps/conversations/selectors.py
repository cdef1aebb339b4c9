"""Reads of conversations, each in a fixed number of queries."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from apps.accounts import usernames
from apps.core.db.paging import Page, newest_first
from apps.social import selectors as social_selectors

from . import services
from .models import DELETE_FOR_EVERYONE_SECONDS, Conversation, Message, Participant

# --- The list of conversations -----------------------------------------------------------------

LIST_PAGE_SIZE = 30
PREVIEW_LENGTH = 90
DELETED_MEMBER = gettext_lazy("deleted member")


@dataclass
class ConversationRow:
    """One line of the member's list: the conversation, the others in it, the newest message
    the member may see, and how many messages wait unread."""

    conversation: Conversation
    others: list[AbstractBaseUser]
    last: Message | None
    unread: int
    viewer_id: int
    # A conversation of two with a block between them (only the blocker sees it listed).
    ended: bool = False
    # Senders whose messages the member does not see (a block either way, in a group).
    hidden: frozenset[int] = field(default_factory=frozenset)

    @property
    def pk(self) -> int:
        return self.conversation.pk

    @property
    def url(self) -> str:
        return self.conversation.get_absolute_url()

    @property
    def other(self) -> AbstractBaseUser | None:
        """The other member of a conversation of two (None once their account is gone)."""
        return self.others[0] if self.others and not self.conversation.is_group else None

    @property
    def name(self) -> str:
        """What the line is called: the other member, the group's title, or its members."""
        if self.conversation.title:
            return self.conversation.title
        if not self.others:
            return str(DELETED_MEMBER)
        return ", ".join(person.display_name for person in self.others)

    @property
    def preview(self) -> str:
        """The newest message in a few words: "You: …", "Message deleted", "Photo"."""
        message = self.last
        if message is None or message.sender_id in self.hidden:
            return ""
        if message.sender is not None and not message.sender.is_active:
            return ""  # a suspended member's messages are hidden until they are reinstated
        if message.is_deleted:
            return gettext("Message deleted")
        text = social_selectors.excerpt(message.text, PREVIEW_LENGTH) or gettext("Photo")
        if message.sender_id == self.viewer_id:
            return gettext("You: %(text)s") % {"text": text}
        if self.conversation.is_group:
            sender = message.sender.display_name if message.sender else str(DELETED_MEMBER)
            return f"{sender}: {text}"
        return text


def listed(viewer: AbstractBaseUser, *, requests: bool) -> QuerySet[Participant]:
    """The viewer's memberships their list shows (`requests`: the Requests tab): not left,
    not hidden (nothing newer than what they cleared), and not a conversation of two whose
    other member blocked them (the blocker sees it, as ended)."""
    pairs = social_selectors.block_pairs(viewer)
    ended = [services.pair_key(viewer.pk, by) for by, blocked in pairs if blocked == viewer.pk]
    return (
        Participant.objects.filter(user=viewer, accepted=not requests, left__isnull=True)
        .filter(conversation__last_message_id__gt=F("cleared_id"))
        .exclude(conversation__pair__in=ended)
    )


def requests_count(viewer: AbstractBaseUser) -> int:
    return listed(viewer, requests=True).count()


def conversation_page(
    viewer: AbstractBaseUser, *, requests: bool = False, cursor: str | None = None,
    size: int = LIST_PAGE_SIZE,
) -> Page[ConversationRow]:  # fmt: skip
    """A page of the viewer's conversations, the most recently written first, in four queries
    however long the page (the viewer's blocks and mutes are read once per request). Raise
    ValueError for a cursor this site did not make."""
    silenced = social_selectors.muted_ids(viewer) | social_selectors.hidden_ids(viewer)
    unread = (
        Message.objects.filter(
            conversation=OuterRef("conversation_id"),
            pk__gt=OuterRef("last_read_id"),
            deleted__isnull=True,
        )
        .filter(pk__gt=OuterRef("cleared_id"))
        .filter(Q(sender__isnull=True) | Q(sender__is_active=True))  # suspended: hidden
        .exclude(sender=viewer)
        .exclude(sender_id__in=silenced)
        .order_by()
        .values("conversation")
        .annotate(count=Count("pk"))
        .values("count")
    )
    memberships = (
        listed(viewer, requests=requests)
        .select_related("conversation")
        .annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)))
    )
    page = newest_first(memberships, cursor, size, by="sorted_at")
    conversations = [membership.conversation for membership in page.items]
    others = _others(viewer, conversations)
    newest = Message.objects.filter(pk__in=[c.last_message_id for c in conversations])
    last = {message.pk: message for message in newest.select_related("sender")}
    pairs = social_selectors.block_pairs(viewer)
    blocking = {blocked for blocker, blocked in pairs if blocker == viewer.pk}
    hidden = frozenset(social_selectors.hidden_ids(viewer))
    rows = []
    for membership in page.items:
        conversation = membership.conversation
        people = others.get(conversation.pk, [])
        rows.append(
            ConversationRow(
                conversation=conversation,
                others=people,
                last=last.get(conversation.last_message_id),
                unread=membership.unread,
                viewer_id=viewer.pk,
                ended=not conversation.is_group and any(p.pk in blocking for p in people),
                hidden=hidden if conversation.is_group else frozenset(),
            )
        )
    return Page(rows, page.cursor, page.next_cursor)


def _others(
    viewer: AbstractBaseUser, conversations: list[Conversation]
) -> dict[int, list[AbstractBaseUser]]:
    """The other members still in each conversation, with their profiles, in one query."""
    rows = (
        Participant.objects.filter(conversation__in=conversations, left__isnull=True)
        .exclude(user=viewer)
        .select_related("user__profile")
        .order_by("joined", "pk")
    )
    found: dict[int, list[AbstractBaseUser]] = {}
    for row in rows:
        found.setdefault(row.conversation_id, []).append(row.user)
    return found


# --- Starting a conversation and adding members ----------------------------------------------


def members_named(handles: Iterable[str]) -> dict[str, AbstractBaseUser]:
    """The members behind `handles` (matched whatever the case, as profile addresses are),
    active or not, keyed by the handle in lower case; one query."""
    wanted = {str(usernames.normalize(handle)).lower() for handle in handles}
    users = (
        get_user_model()
        .objects.annotate(handle=Lower("username"))
        .filter(handle__in=wanted)
        .select_related("profile")
    )
    return {user.handle: user for user in users}


def existing_with(viewer: AbstractBaseUser, handle: str) -> Conversation | None:
    """The conversation of two the viewer has with the member called `handle`, when both
    are still in it; None otherwise (several handles, an unknown one, none yet)."""
    handle = handle.strip().lstrip("@")
    if not usernames.ANY_NAME.fullmatch(handle):
        return None
    other = members_named([handle]).get(handle.lower())
    if other is None or other.pk == viewer.pk:
        return None
    return (
        Conversation.objects.filter(pair=services.pair_key(viewer.pk, other.pk))
        .filter(participants__user=viewer)
        .filter(participants__user=other)
        .first()
    )


def membership(viewer: AbstractBaseUser, pk: int) -> Participant | None:
    """The viewer's place in conversation `pk`, with the conversation; None when they are not
    in it (or left it)."""
    return (
        Participant.objects.filter(user=viewer, conversation_id=pk, left__isnull=True)
        .select_related("conversation")
        .first()
    )


def current_members(conversation: Conversation) -> list[AbstractBaseUser]:
    """Everyone still in the conversation, the earliest to join first."""
    rows = (
        Participant.objects.filter(conversation=conversation, left__isnull=True)
        .select_related("user__profile")
        .order_by("joined", "pk")
    )
    return [row.user for row in rows]


def followed_handles(viewer: AbstractBaseUser, limit: int = 200) -> list[str]:
    """Handles of active members the viewer follows, for the recipient field's suggestions."""
    return list(
        get_user_model()
        .objects.filter(follower_set__follower=viewer, is_active=True)
        .order_by(Lower("username"))
        .values_list("username", flat=True)[:limit]
    )


# --- One conversation ------------------------------------------------------------------------

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


class ConversationEnded(Http404):
    """A 404 for the member of a conversation of two whom the other blocked: its history is
    hidden from them, and the page says only that it has ended."""


def get_thread(*, pk: int, viewer: AbstractBaseUser, ended_ok: bool = False) -> Thread:
    """The conversation `pk` as `viewer` sees it; 404 unless they are (or were) a member, and
    ConversationEnded for a member of a conversation of two whom the other blocked (unless
    `ended_ok`: they may still hide it)."""
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
            if relation.blocked_by and not ended_ok:
                raise ConversationEnded
            thread.ended = relation.apart
    thread.refusal = services.refusal_to_send(viewer, conversation)
    return thread


def visible_messages(thread: Thread) -> QuerySet[Message]:
    """The messages of the thread the viewer sees: those after what they hid, up to when
    they left, none from a member a block stands between them and."""
    me = thread.me
    messages = Message.objects.filter(conversation=thread.conversation, pk__gt=me.cleared_id)
    if me.left is not None:
        messages = messages.filter(created__lte=me.left)
    if thread.hidden:
        messages = messages.exclude(sender_id__in=thread.hidden)
    return messages


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
    everyone, within the hour)."""
    since = timezone.now() - timedelta(seconds=DELETE_FOR_EVERYONE_SECONDS)
    for message in messages:
        message.mine = message.sender_id is not None and message.sender_id == viewer.pk
        message.can_delete = message.mine and not message.is_deleted and message.created > since
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
