"""Reads of conversations, each in a fixed number of queries."""

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import PurePosixPath
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Lower
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from apps.accounts import usernames
from apps.accounts.lifecycle import MemberData
from apps.core.db import sql
from apps.core.db.paging import Page, newest_first
from apps.profiles import audiences
from apps.profiles.audiences import Sight
from apps.profiles.models import Profile
from apps.social import selectors as social_selectors

from . import permissions, services
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
    viewer: AbstractBaseUser | None = None

    @functools.cached_property
    def sights(self) -> dict[int, Sight]:
        """How the viewer sees each other member's presence (apps.profiles.audiences), by
        id: one query, on the first ask (for "seen" and the badge: a page, not a write)."""
        return audiences.sights(self.viewer, [other.user_id for other in self.others])

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
    others = Participant.objects.filter(conversation=conversation, left__isnull=True)
    if me.left is not None:
        # A member who left sees the group as it was then: nobody added since.
        others = others.filter(joined__lte=me.left)
    others = list(
        others.exclude(user=viewer).select_related("user__profile").order_by("joined", "pk")
    )
    thread = Thread(conversation=conversation, me=me, others=others, viewer=viewer)
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
    the viewer's own; only those whose presence the viewer sees exactly (`shows_seen`)."""
    if last is None or not getattr(last, "mine", False) or thread.me.left is not None:
        return []
    now = timezone.now()
    seen = []
    for other in thread.others:
        profile = getattr(other.user, "profile", None)
        if other.user_id in thread.hidden or profile is None:
            continue
        sight = thread.sights.get(other.user_id, Sight.NONE)
        shown = shows_seen(
            sight, profile, accepted=other.accepted, read_at=other.last_read_at, now=now
        )
        if shown and other.last_read_id >= last.pk:
            seen.append(other)
    return seen


def shows_seen(sight: str, presence, *, accepted: bool, read_at, now) -> bool:
    """Whether a member's "seen" shows to the viewer: only when the viewer sees their presence
    exactly (their audience and the viewer's let each other in, no block), when they did not
    read it while appearing offline (nor do now), and once they accepted the conversation (a
    request, opened or declined: its sender is not told either way)."""
    return (
        sight == Sight.EXACT
        and accepted
        and not audiences.read_while_offline(presence, read_at, now=now)
        and not audiences.appearing_offline(presence, now=now)
    )


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
    return Message.objects.select_related("sender").in_bulk(ids)


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
        .values_list("conversation_id", "user__username", "joined")
    )
    left = {m.conversation_id: m.left for m in memberships}
    for conversation_id, username, joined in rows:
        # Who was in it while the member was: nobody added after they left.
        if left[conversation_id] is None or joined <= left[conversation_id]:
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


# --- Live: what the presence poll asks -------------------------------------------------------
# Every open page polls (apps/presence/views.py), so these reads are written in SQL
# (apps.core.db.sql); the messages themselves, read only when there are new ones, use the ORM.

# At most this many new messages come with one poll; the page asks again for the rest.
LIVE_MESSAGES_LIMIT = 50


def unread_sql(user_id: int) -> tuple[str, list[int]]:
    """How many conversations hold a message the member has not read, as a scalar subquery
    for a hand-written query (the poll asks it with the notifications' count, in one query).
    Counted: conversations they are in (not left) and have accepted (Requests are not
    counted: a stranger's first message must not light the bar), with a message newer than
    what they read and what they hid, not deleted, from someone else whom they have not
    muted, with no block between them, and not suspended (whose messages are hidden)."""
    blocked, block_params = social_selectors.blocks_with_sql(user_id, "m.sender_id")
    muted, mute_params = social_selectors.muted_sql(user_id, "m.sender_id")
    suspended = _suspended_sql("m.sender_id")
    query = (
        f"(SELECT COUNT(*) FROM {sql.table(Participant)} p"  # noqa: S608
        f" JOIN {sql.table(Conversation)} c ON c.id = p.conversation_id"
        ' WHERE p.user_id = %s AND p.accepted AND p."left" IS NULL'
        # The conversation's newest message rules out most of them without their messages.
        " AND c.last_message_id > p.last_read_id AND c.last_message_id > p.cleared_id"
        f" AND EXISTS (SELECT 1 FROM {sql.table(Message)} m"
        " WHERE m.conversation_id = p.conversation_id"
        " AND m.id > p.last_read_id AND m.id > p.cleared_id AND m.deleted IS NULL"
        " AND (m.sender_id IS NULL OR m.sender_id <> %s)"
        f" AND NOT {muted} AND NOT {blocked} AND NOT {suspended}))"
    )
    return query, [user_id, user_id, *mute_params, *block_params]


def _suspended_sql(member: str) -> str:
    """An SQL condition: the member whose id is the SQL expression `member` is suspended
    (false for NULL, a deleted member)."""
    users = sql.table(get_user_model())
    return f"EXISTS (SELECT 1 FROM {users} s WHERE s.id = {member} AND NOT s.is_active)"  # noqa: S608


@dataclass(frozen=True)
class LiveState:
    """What the poll knows of the conversation a member has open: the newest message they
    may see (0: none), what they hid and what they have read, the members whose messages
    they do not see (a block either way, a suspension), and who has seen it (as `seen_by`
    gives them: the others' memberships, each with its user)."""

    conversation: Conversation
    newest: int
    cleared_id: int
    read_id: int
    hidden: frozenset[int]
    seen: tuple[Participant, ...]

    def version(self) -> tuple:
        """Everything the poll's answer shows of it, for the poll's ETag."""
        seen = [(p.user.username, p.user.display_name, p.last_read_at) for p in self.seen]
        return (self.conversation.pk, self.conversation.is_group, self.newest, seen)


def live_state(conversation_id: int, viewer: AbstractBaseUser) -> LiveState | None:
    """The conversation as the poll of the viewer's open page sees it, in ONE query; None
    unless the viewer is a member still in it (a stranger's poll learns nothing, not even
    whether the conversation exists), and for a conversation of two with a block between
    its members (ended; its history hidden from the blocked side).

    The newest message is the newest the viewer may see (as `visible_messages` has them):
    after what they hid, none from a member a block stands between them and, nor from a
    suspended one. "Seen" is `seen_by`'s: the other members who
    have read up to it when it is the viewer's own, but those who hide their online status
    (who show no "seen" either), those a block stands between, and those who have not
    accepted the conversation."""
    User = get_user_model()
    sight, sight_params = audiences.sight_sql(viewer, "p.user_id", "pr.presence_audience")
    apart, apart_params = social_selectors.blocks_with_sql(viewer.pk, "p.user_id")
    hidden, hidden_params = social_selectors.blocks_with_sql(viewer.pk, "m.sender_id")
    suspended = _suspended_sql("m.sender_id")
    query = (
        'SELECT p.user_id, p."left", p.last_read_id, p.last_read_at, p.cleared_id,'  # noqa: S608
        f" u.username, u.first_name, u.last_name, u.is_active, {sight},"
        f" {apart}, c.is_group, newest.id, newest.sender_id, p.accepted,"
        " pr.offline_since, pr.offline_until"
        f" FROM {sql.table(Participant)} p JOIN {sql.table(Conversation)} c"
        " ON c.id = p.conversation_id"
        f" JOIN {sql.table(User)} u ON u.id = p.user_id"
        f" LEFT JOIN {sql.table(Profile)} pr ON pr.user_id = p.user_id"
        f" LEFT JOIN (SELECT m.id, m.sender_id FROM {sql.table(Message)} m"
        f" JOIN {sql.table(Participant)} me ON me.conversation_id = m.conversation_id"
        " AND me.user_id = %s"
        f" WHERE m.conversation_id = %s AND m.id > me.cleared_id AND NOT {hidden}"
        f" AND NOT {suspended}"
        " ORDER BY m.id DESC LIMIT 1) newest ON 1 = 1"
        " WHERE p.conversation_id = %s ORDER BY p.joined, p.id"
    )
    params = [*sight_params, *apart_params, viewer.pk, conversation_id, *hidden_params,
              conversation_id]  # fmt: skip
    rows = sql.rows(query, params)
    mine = next((row for row in rows if row[0] == viewer.pk), None)
    if mine is None or mine[1] is not None:
        return None
    conversation = Conversation(pk=conversation_id, is_group=bool(mine[11]))
    newest, newest_sender = mine[12] or 0, mine[13]
    # Every sender is a member, or was one (a deleted member's messages have none).
    if not conversation.is_group and any(row[10] for row in rows):
        return None
    hidden = frozenset(row[0] for row in rows if row[10] or not row[8])
    others = [row for row in rows if row[0] != viewer.pk and row[1] is None]
    seen, now = [], timezone.now()
    for row in others if newest and newest_sender == viewer.pk else []:
        user_id, _left, read_id, read_at, _cleared, username, first, last, active, sight = row[:10]
        presence = SimpleNamespace(offline_since=sql.moment(row[15]),
                                   offline_until=sql.moment(row[16]))  # fmt: skip
        if read_id < newest or not active or row[10]:
            continue
        read_at = sql.moment(read_at)
        if shows_seen(sight, presence, accepted=bool(row[14]), read_at=read_at, now=now):
            reader = Participant(conversation=conversation, user_id=user_id, last_read_id=read_id,
                                 last_read_at=read_at)  # fmt: skip
            reader.user = User(id=user_id, username=username, first_name=first, last_name=last)
            seen.append(reader)
    return LiveState(conversation, newest, mine[4], mine[2], hidden, tuple(seen))


def new_messages(state: LiveState, *, viewer: AbstractBaseUser, after: int) -> list[Message]:
    """The messages of the conversation newer than `after` that the viewer may see (as
    `live_state` counts them), oldest first, at most LIVE_MESSAGES_LIMIT, each with its sender
    and their profile: one query, however many. Each is marked `mine`, and never
    `can_delete`: the poll is served without the CSRF middleware (apps.core.web.lean), so a
    form in its answer would carry a token the member's cookie does not match; the member's
    own message, sent from another tab, offers its delete on the next page load."""
    messages = Message.objects.filter(
        conversation_id=state.conversation.pk,
        pk__gt=max(after, state.cleared_id),
        pk__lte=state.newest,
    )
    if state.hidden:
        messages = messages.exclude(sender_id__in=state.hidden)
    messages = messages.select_related("sender__profile").order_by("pk")[:LIVE_MESSAGES_LIMIT]
    found = mark_messages(list(messages), viewer=viewer)
    for message in found:
        message.can_delete = False
    return found


def has_conversations_of(*, members: list[AbstractBaseUser]) -> bool:
    """Whether any of `members` is in a conversation (the demo writes its own only once)."""
    return Participant.objects.filter(user__in=members).exists()
