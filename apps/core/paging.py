"""Keyset paging shared by every list that loads more as you scroll."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import BadRequest
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
