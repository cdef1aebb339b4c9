"""What a username (the @handle in /u/<username>/) may be, decided once for every path.

Handles are ASCII letters, digits and underscores, 3 to 30 characters, unique whatever the
letter case. Look-alike letters from other scripts (a Cyrillic "a" next to a Latin one, the
fullwidth forms of "admin") would let one member pass for another, so handles keep to one small
alphabet; names in any script belong in the display name (first and last name). Input is
normalised with NFKC before any check, so fullwidth "alice" is checked, and stored, as "alice".
"""

import re
import unicodedata

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


def is_reserved(value: str) -> bool:
    reserved = {name.casefold() for name in settings.ACCOUNT_USERNAME_BLACKLIST}
    return normalize(value).casefold() in reserved


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
