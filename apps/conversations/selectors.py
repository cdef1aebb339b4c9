"""Reads of conversations, each in a fixed number of queries."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.utils.translation import gettext, gettext_lazy

from apps.accounts import usernames
from apps.core.db.paging import Page, newest_first
from apps.social import selectors as social_selectors

from .models import Conversation, Message, Participant

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
    blocked_by = [blocker for blocker, blocked in _blocks(viewer) if blocked == viewer.pk]
    return (
        Participant.objects.filter(user=viewer, accepted=not requests, left__isnull=True)
        .filter(conversation__last_message_id__gt=F("cleared_id"))
        .exclude(conversation__pair__in=[_pair(viewer.pk, other) for other in blocked_by])
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
    blocking = {blocked for blocker, blocked in _blocks(viewer) if blocker == viewer.pk}
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


def _blocks(viewer: AbstractBaseUser) -> list[tuple[int, int]]:
    return social_selectors.block_pairs(viewer)


def _pair(one: int, other: int) -> str:
    low, high = sorted((one, other))
    return f"{low}:{high}"


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
        Conversation.objects.filter(pair=_pair(viewer.pk, other.pk), participants__user=viewer)
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
