"""What a username (the @handle in /u/<username>/) may be, decided once for every path.

Handles are ASCII letters, digits and underscores, 3 to 30 characters, unique whatever the
letter case. Look-alike letters from other scripts (a Cyrillic "a" next to a Latin one, the
fullwidth forms of "admin") would let one member pass for another, so handles keep to one small
alphabet; names in any script belong in the display name (first and last name). Input is
normalised with NFKC before any check, so fullwidth "alice" is checked, and stored, as "alice".

Reserved handles come from the shipped list (reserved_usernames.txt) and the operator's
settings.ACCOUNT_USERNAME_BLACKLIST. Members who hold one from before keep it.
"""

import functools
import re
import unicodedata
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

MIN_LENGTH = 3
MAX_LENGTH = 30
HANDLE = re.compile(r"[A-Za-z0-9_]+")
# Anything that could name an account in a URL or a poll: handles, and reserved or older
# names kept by existing accounts (accounts migration 0002), which share the alphabet.
ANY_NAME = re.compile(r"[A-Za-z0-9_]{1,150}")


def normalize(value: object) -> object:
    """NFKC and no surrounding spaces; anything but a string is returned as it came."""
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


RESERVED_LIST = Path(__file__).with_name("reserved_usernames.txt")
# A handle's words: camelCase and ALLCAPS runs; digits and underscores separate them.
WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")
# Digits standing in for letters ("m0derator", "4dmin").
LEET = str.maketrans("013457", "oieast")
# A staff word this long is refused even run together with other letters at either end
# ("theadministrator", "moderatoranna"); shorter ones only as a word of their own, so
# "badminton", "modesty" and "insecurity" stay free.
RUN_TOGETHER = 9


@functools.cache
def shipped_reserved() -> tuple[frozenset[str], frozenset[str]]:
    """The shipped list: (staff words, exact names), lower case."""
    sections: dict[str, set[str]] = {"staff": set(), "exact": set()}
    current = sections["exact"]
    for line in RESERVED_LIST.read_text(encoding="utf-8").splitlines():
        line = line.partition("#")[0].strip().casefold()
        if line.startswith("["):
            current = sections[line.strip("[]")]
        elif line:
            current.add(line)
    return frozenset(sections["staff"]), frozenset(sections["exact"])


def is_reserved(value: str) -> bool:
    """Whether `value` is a reserved name, or a staff word dressed up ("admin_1",
    "eternity_support", "TheModerators", "m0derator")."""
    value = normalize(value)
    staff, exact = shipped_reserved()
    operator = {name.casefold() for name in settings.ACCOUNT_USERNAME_BLACKLIST}
    if value.casefold() in staff | exact | operator:
        return True
    return any(_staff_like(candidate, staff) for candidate in (value, value.translate(LEET)))


def _staff_like(value: str, staff: frozenset[str]) -> bool:
    letters = re.sub(r"[^a-z]", "", value.casefold())
    if letters in staff:  # "a_d_m_i_n", "admin42"
        return True
    for word in (word.casefold() for word in WORD.findall(value)):
        if word in staff or word.removesuffix("s") in staff:  # "the_moderators"
            return True
    return any(
        letters.startswith(word) or letters.endswith(word)
        for word in staff
        if len(word) >= RUN_TOGETHER
    )


@deconstructible
class UsernameValidator:
    """The model field's validator, so the admin, createsuperuser and every form agree."""

    message = _("Use 3 to 30 characters: English letters, digits and underscores (_).")
    reserved_message = _("This username is reserved. Please choose another.")

    def __call__(self, value: str) -> None:
        value = normalize(value)
        if not (MIN_LENGTH <= len(value) <= MAX_LENGTH and HANDLE.fullmatch(value)):
            raise ValidationError(self.message, code="invalid")
        if is_reserved(value):
            raise ValidationError(self.reserved_message, code="reserved")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UsernameValidator)
