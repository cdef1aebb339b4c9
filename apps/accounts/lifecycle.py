"""The member's lifecycle protocol, one shape for every app that keeps something about a member.

Each such app has, beside its other reads and writes:

- `selectors.member_export(*, user) -> MemberData`: what it holds of the member, for the copy
  they can download (and the stored files to put in it);
- `services.forget_member(*, user) -> None`: delete what it holds of the member, inside the
  deletion's transaction and before the user row goes, mending what others see (counts,
  threads) and removing files once the transaction commits.

apps.membership calls them in order, top layer first; no app reacts to a deletion by itself.
"""

from collections.abc import Sequence
from typing import NamedTuple

from django.db.models.fields.files import FieldFile


class MemberData(NamedTuple):
    """An app's part of a member's data export: the data (keys of data.json) and the stored
    files to include, each with the folder it goes in."""

    data: dict[str, object]
    files: Sequence[tuple[str, FieldFile]] = ()
