"""What others may see of a user's online status, computed at read time."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.conversations import selectors as conversation_selectors
from apps.core.db import sql
from apps.feed import selectors as feed_selectors
from apps.profiles import audiences
from apps.profiles.audiences import Sight
from apps.profiles.models import Profile
from apps.social import selectors as social_selectors


class Status(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    LAST_SEEN = "last-seen"
    # What a member who hides their own status from someone sees of theirs (Sight.ROUGH).
    RECENTLY = "recently"
    THIS_WEEK = "this-week"
    LONG_AGO = "long-ago"


RECENTLY = timedelta(days=3)
THIS_WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Presence:
    username: str
    status: Status
    last_seen: datetime | None = None  # shown with LAST_SEEN only


@dataclass(frozen=True)
class PresenceRow:
    """The columns a badge needs, read without building model instances, and the Sight the
    viewer has of the member."""

    is_online: bool
    last_seen: datetime | None
    sight: Sight
    offline_since: datetime | None = None
    offline_until: datetime | None = None


def presence_of(row, *, username: str, now: datetime | None = None) -> Presence:
    """What a badge says of a member, from a PresenceRow (or anything with its attributes).

    Online: logged in and active within PRESENCE_TTL. Whom the member hides their status
    from sees plain Offline: neither online nor when they were last seen. While a member
    appears offline, they are offline, last seen when it began. Whoever hides their own
    status from the member sees only roughly when they were last around."""
    if row is None or row.sight == Sight.NONE:
        return Presence(username, Status.OFFLINE)
    now = now or timezone.now()
    if frozen := audiences.frozen_since(row, now=now):
        online, seen = False, frozen
    else:
        fresh = row.last_seen and row.last_seen >= now - timedelta(seconds=settings.PRESENCE_TTL)
        online, seen = bool(row.is_online and fresh), row.last_seen
    if row.sight == Sight.ROUGH:
        if online or (seen and seen >= now - RECENTLY):
            return Presence(username, Status.RECENTLY)
        if seen and seen >= now - THIS_WEEK:
            return Presence(username, Status.THIS_WEEK)
        return Presence(username, Status.LONG_AGO)
    if online:
        return Presence(username, Status.ONLINE)  # "Online" shows no time
    if seen:
        return Presence(username, Status.LAST_SEEN, seen)
    return Presence(username, Status.OFFLINE)


STARTED = _("You now appear offline: others see you as offline, last seen when you started.")
ENDED = _("You no longer appear offline: others see you as you are again.")


@dataclass(frozen=True)
class Appearance:
    """The member's own "appear offline" state, as the bar shows it to them."""

    offline: bool = False
    until: datetime | None = None  # None while offline: until they turn it off

    @property
    def said(self) -> str:
        """What the page's live region says when the bar comes to this state."""
        return str(STARTED if self.offline else ENDED)


def own_appearance(row, *, now: datetime | None = None) -> Appearance:
    """The member's own appear-offline state, from their Profile or PresenceRow (no query)."""
    if row is None or not audiences.appearing_offline(row, now=now or timezone.now()):
        return Appearance()
    return Appearance(True, row.offline_until)


def presence_rows(usernames: Iterable[str], viewer=None) -> dict[str, PresenceRow]:
    """The badge columns for these usernames in ONE query, keyed by username as stored, with
    the viewer's Sight of each (apps.profiles.audiences). Unknown or inactive usernames are
    simply absent. Every poll asks: written in SQL (apps.core.db.sql)."""
    names = list(dict.fromkeys(usernames))
    if not names:
        return {}
    sight, params = audiences.sight_sql(viewer or AnonymousUser(), "u.id", "p.presence_audience")
    # Only table names and conditions written here are formatted in; values are parameters.
    query = (
        "SELECT u.username, p.is_online, p.last_seen, p.offline_since, p.offline_until,"  # noqa: S608
        f" {sight} FROM {sql.table(get_user_model())} u LEFT JOIN {sql.table(Profile)} p"
        " ON p.user_id = u.id"
        f" WHERE u.is_active AND u.username IN ({sql.placeholders(len(names))})"
    )
    found = sql.rows(query, [*params, *names])
    return {
        username: PresenceRow(
            bool(is_online),
            sql.moment(last_seen),
            Sight(seen),
            sql.moment(since),
            sql.moment(until),
        )
        for username, is_online, last_seen, since, until, seen in found
    }


ONLINE_NOW_LIMIT = 24


def online_followed(user) -> tuple[list, int]:
    """The members `user` follows who are online now and whom `user` sees exactly so (their
    audience lets `user` in, `user`'s lets them in, and they do not appear offline), most recently
    active first: at most ONLINE_NOW_LIMIT of them, and how many there are. One query (every
    poll asks: written in SQL, apps.core.db.sql), as users with their profiles."""
    User = get_user_model()
    since = timezone.now() - timedelta(seconds=settings.PRESENCE_TTL)
    followed, params = social_selectors.followed_sql(user.pk, "u.id")
    sight, sight_params = audiences.sight_sql(user, "u.id", "p.presence_audience")
    user_columns = sql.columns(User, "id", "username", "first_name", "last_name")
    profile_columns = sql.columns(Profile, "id", "user_id", "photo", "photo_thumbnail",
                                  "is_online", "last_seen", "presence_audience")  # fmt: skip
    query = (
        f"SELECT {', '.join(f'u.{c}' for c in user_columns)},"  # noqa: S608
        f" {', '.join(f'p.{c}' for c in profile_columns)}, COUNT(*) OVER ()"
        f" FROM {sql.table(User)} u JOIN {sql.table(Profile)} p ON p.user_id = u.id"
        f" WHERE {followed} AND u.is_active AND p.is_online AND p.last_seen >= %s"
        f" AND {sight} = '{Sight.EXACT}'"
        # audiences.frozen_since: never appeared offline, or active since it ended.
        " AND (p.offline_since IS NULL OR (p.offline_until <= %s"
        " AND p.last_seen >= p.offline_until))"
        f" ORDER BY p.last_seen DESC, u.id LIMIT {ONLINE_NOW_LIMIT}"
    )
    people, total = [], 0
    now = sql.at(timezone.now())
    for row in sql.rows(query, [*params, sql.at(since), *sight_params, now]):
        person = User.from_db("default", user_columns, row[: len(user_columns)])
        values = list(row[len(user_columns) : -1])
        seen = profile_columns.index("last_seen")
        values[seen] = sql.moment(values[seen])
        person.profile = Profile.from_db("default", profile_columns, values)
        people.append(person)
        total = row[-1]
    return people, total


def online_on_any_device(user_id: int, *, now: datetime | None = None) -> bool:
    """Whether the member counts as online now: a page of theirs open somewhere, or activity
    within PRESENCE_TTL. Their own state, whoever may see it: a member who hides their
    status from others is still online here (for what the site itself does, such as holding
    back a push while the bell shows)."""
    now = now or timezone.now()
    since = now - timedelta(seconds=settings.PRESENCE_TTL)
    return Profile.objects.filter(user_id=user_id, is_online=True, last_seen__gte=since).exists()


class FeedNews(NamedTuple):
    """A feed tab's part of the poll: how many new posts each tab shows above where the member
    left off, and the moment of the page's newest post when it is newer than that place on its
    tab (None when there is nothing to move)."""

    new: dict[str, int]
    unseen_top: datetime | None


class Unread(NamedTuple):
    notifications: int  # unread lines of the bell
    messages: int  # conversations with unread messages
    feed: FeedNews | None = None  # asked on a feed tab only


def unread_counts(user, *, feed: str | None = None, top: int | None = None) -> Unread:
    """The member's two counts in the bar, the bell's and the messages link's, in ONE query
    (every poll of a member's page asks: written in SQL, apps.core.db.sql). Each app hands
    its own count as a subquery on its own tables. On a feed tab (`feed`, one of
    feed_selectors.TABS) the same query also counts each tab's new posts and tells whether
    the page's newest post (`top`, an id) is newer than where the member left off there."""
    if not user.is_authenticated:
        return Unread(0, 0)
    notifications, params = social_selectors.unread_count_sql(user.pk)
    messages, more = conversation_selectors.unread_sql(user.pk)
    columns, params = [notifications, messages], [*params, *more]
    if feed is not None:
        for tab in feed_selectors.TABS:
            count, more = feed_selectors.new_posts_sql(user.pk, tab)
            columns.append(count)
            params += more
        if top is not None:
            unseen, more = feed_selectors.unseen_top_sql(user.pk, feed, top)
            columns.append(unseen)
            params += more
    found = sql.rows(f"SELECT {', '.join(columns)}", params)[0]
    if feed is None:
        return Unread(*found)
    tabs = len(feed_selectors.TABS)
    new = dict(zip(feed_selectors.TABS, found[2 : 2 + tabs], strict=True))
    unseen = _moment(found[2 + tabs]) if top is not None else None
    return Unread(found[0], found[1], FeedNews(new, unseen))


def _moment(value: datetime | str | None) -> datetime | None:
    """A date-time a scalar subquery read (SQLite hands back the text the ORM stored)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return sql.moment(value)
