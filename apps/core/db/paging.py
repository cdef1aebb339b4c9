"""Keyset paging shared by every list that loads more as you scroll."""

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.exceptions import BadRequest
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Page[T]:
    """One page of a list. `cursor` is where it started (None on the first page);
    `next_cursor` is where the next one starts (None on the last)."""

    items: list[T]
    cursor: str | None
    next_cursor: str | None

    @property
    def is_first(self) -> bool:
        return self.cursor is None


def requested_page[T](request: HttpRequest, fetch: Callable[[str | None], Page[T]]) -> Page[T]:
    """The page `?after=<cursor>` asks for. `fetch` raises ValueError for a cursor this site
    did not make, which is the visitor's mistake: a 400, never a 500."""
    try:
        return fetch(request.GET.get("after") or None)
    except ValueError:
        raise BadRequest(_("That page link is not valid.")) from None


def wants_fragment(request: HttpRequest, page: Page) -> bool:
    """A later page loaded by scrolling (htmx) needs only the rows, not the whole page."""
    return bool(getattr(request, "htmx", False)) and not page.is_first


def newest_first[T: Model](
    queryset: QuerySet[T], cursor: str | None, size: int, *, by: str = "created"
) -> Page[T]:
    """The page of `queryset`, newest first by (`by`, pk), that starts strictly after
    `cursor` (the last row shown), so rows added meanwhile cause neither duplicates nor gaps.
    `by` names a date-time field. Raise ValueError for a cursor this site did not make."""
    if cursor:
        moment, pk = decode_cursor(cursor)
        # The first condition implies nothing new, but an index on (…, by, pk) can seek to it.
        queryset = queryset.filter(**{f"{by}__lte": moment}).filter(
            Q(**{f"{by}__lt": moment}) | Q(**{by: moment, "pk__lt": pk})
        )
    rows = list(queryset.order_by(f"-{by}", "-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = encode_cursor(getattr(rows[-1], by), rows[-1].pk) if more else None
    return Page(rows, cursor, next_cursor)


def encode_cursor(created: datetime, pk: int) -> str:
    """The cursor of a row in a list ordered newest first by (created, pk)."""
    raw = f"{created.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Raise ValueError for anything that is not a cursor this site made."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, pk = raw.split("|")
        moment = datetime.fromisoformat(created)
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise ValueError("invalid cursor") from error
    if moment.tzinfo is None:
        raise ValueError("invalid cursor")
    try:
        moment = moment.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("invalid cursor") from error
    return moment, int(pk)
