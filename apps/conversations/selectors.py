"""Reads of conversations that pages share, with query counts that do not grow with what is
shown."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import OuterRef

from apps.core.db import sql
from apps.profiles.models import Profile
from apps.social import selectors as social_selectors

from .models import Conversation, Message, Participant

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
    muted and with no block between them."""
    blocked, block_params = social_selectors.blocks_with_sql(user_id, "m.sender_id")
    muted, mute_params = social_selectors.muted_sql(user_id, "m.sender_id")
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
        f" AND NOT {muted} AND NOT {blocked}))"
    )
    return query, [user_id, user_id, *mute_params, *block_params]


@dataclass(frozen=True)
class Reader:
    """A member who has read up to the newest message, and when (for "Seen")."""

    username: str
    display_name: str
    at: datetime | None

    def __str__(self) -> str:
        return self.display_name


def readers(participants: Iterable[Participant]) -> list[Reader]:
    """The `Reader`s of these participants (their users loaded), for conversations/seen.html,
    which the page and the poll both render."""
    return [Reader(p.user.username, p.user.display_name, p.last_read_at) for p in participants]


@dataclass(frozen=True)
class LiveState:
    """What the poll knows of the conversation a member has open: the newest message they
    may see (0: none), what they hid, and who has seen it."""

    conversation_id: int
    is_group: bool
    newest: int
    cleared_id: int
    seen: tuple[Reader, ...]

    def version(self) -> tuple:
        """Everything the poll's answer shows of it, for the poll's ETag."""
        return (self.conversation_id, self.newest, self.seen)


def live_state(conversation_id: int, viewer: AbstractBaseUser) -> LiveState | None:
    """The conversation as the poll of the viewer's open page sees it, in ONE query; None
    unless the viewer is a member still in it (a stranger's poll learns nothing, not even
    whether the conversation exists), and for a conversation of two with a block between
    its members (ended; its history hidden from the blocked side).

    The newest message is the newest the viewer may see: after what they hid, none from a
    member a block stands between them and. "Seen" names the other members who have read up
    to it when it is the viewer's own, except those who hide their online status (who show
    no "seen" either) and those a block stands between."""
    User = get_user_model()
    apart, apart_params = social_selectors.blocks_with_sql(viewer.pk, "p.user_id")
    hidden, hidden_params = social_selectors.blocks_with_sql(viewer.pk, "m.sender_id")
    query = (
        'SELECT p.user_id, p."left", p.last_read_id, p.last_read_at, p.cleared_id,'  # noqa: S608
        " u.username, u.first_name, u.last_name, u.is_active, pr.show_online_status,"
        f" {apart}, c.is_group, newest.id, newest.sender_id"
        f" FROM {sql.table(Participant)} p JOIN {sql.table(Conversation)} c"
        " ON c.id = p.conversation_id"
        f" JOIN {sql.table(User)} u ON u.id = p.user_id"
        f" LEFT JOIN {sql.table(Profile)} pr ON pr.user_id = p.user_id"
        f" LEFT JOIN (SELECT m.id, m.sender_id FROM {sql.table(Message)} m"
        f" JOIN {sql.table(Participant)} me ON me.conversation_id = m.conversation_id"
        " AND me.user_id = %s"
        f" WHERE m.conversation_id = %s AND m.id > me.cleared_id AND NOT {hidden}"
        " ORDER BY m.id DESC LIMIT 1) newest ON 1 = 1"
        ' WHERE p.conversation_id = %s AND (p."left" IS NULL OR p.user_id = %s)'
        " ORDER BY p.joined, p.id"
    )
    params = [*apart_params, viewer.pk, conversation_id, *hidden_params]
    rows = sql.rows(query, [*params, conversation_id, viewer.pk])
    mine = next((row for row in rows if row[0] == viewer.pk), None)
    if mine is None or mine[1] is not None:
        return None
    is_group, newest, newest_sender = bool(mine[11]), mine[12] or 0, mine[13]
    others = [row for row in rows if row[0] != viewer.pk]
    if not is_group and any(row[10] for row in others):
        return None
    seen = ()
    if newest and newest_sender == viewer.pk:
        seen = tuple(
            Reader(username, f"{first} {last}".strip() or username, sql.moment(read_at))
            for _id, _left, read_id, read_at, _cleared, username, first, last, active, shows,
            blocked, *_rest in others
            if read_id >= newest and active and (shows is None or shows) and not blocked
        )  # fmt: skip
    return LiveState(conversation_id, is_group, newest, mine[4], seen)


def new_messages(state: LiveState, *, viewer: AbstractBaseUser, after: int) -> list[Message]:
    """The messages of the conversation newer than `after` that the viewer may see (as
    `live_state` counts them), oldest first, at most LIVE_MESSAGES_LIMIT, each with its sender
    and their profile: one query, however many. Each is marked `mine`, and never
    `can_delete`: the poll is served without the CSRF middleware (apps.core.web.lean), so a
    form in its answer would carry a token the member's cookie does not match; the member's
    own message, sent from another tab, offers its delete on the next page load."""
    messages = (
        Message.objects.filter(conversation_id=state.conversation_id,
                               pk__gt=max(after, state.cleared_id), pk__lte=state.newest)
        .exclude(social_selectors.blocked_between(viewer.pk, OuterRef("sender_id")))
        .select_related("sender__profile")
        .order_by("pk")[:LIVE_MESSAGES_LIMIT]
    )  # fmt: skip
    found = list(messages)
    for message in found:
        message.mine = message.sender_id is not None and message.sender_id == viewer.pk
        message.can_delete = False
    return found
