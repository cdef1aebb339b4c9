"""A proof-of-work check for forms that bots like (signup): ALTCHA's SHA-256 scheme, served
and verified here, with nothing asked of any other site.

The server picks a secret number n in [0, POW_MAX_NUMBER] and a random salt that ends in
"?expires=<unix time>", and sends the salt, sha256(salt + n) (the challenge), the range and an
HMAC of the salt and the challenge together. The salt is signed too: the hash alone would stay
the same if a digit of n moved onto the end of the salt, and so lengthen its expiry at will.
The browser (the vendored ALTCHA widget, static/vendor/altcha/) tries every number until the
hash matches, on average half the range, and puts the answer in the form as base64 JSON.
Checking it costs the server one SHA-256 and one HMAC; nothing is stored until a solution
arrives.

A solved challenge is accepted once: its signature is remembered in the default cache until
it expires. When the cache cannot confirm that (Redis down: apps/core/ops/cache.py answers
"added" for every write), the solution is refused with a message to try again in a moment:
a signup outage of a few seconds rather than replays without limit.

The work slows a bot down by a fixed amount per form; it does not tell a person from a
program. It prices mass signups, it does not stop a determined few (see README).
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .ratelimit import TOO_OFTEN, rate_limited

ALGORITHM = "SHA-256"
KEY_SALT = "apps.core.web.proof_of_work"
# A widget's answer is about 250 characters; anything much longer is not one.
MAX_PAYLOAD_LENGTH = 2000


class Refused(Exception):
    """The answer is not accepted; the message says what the person can do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


MISSING = _(
    "The check that you are not a robot has not finished. Wait until it says it is done, "
    "then send the form again. It needs JavaScript."
)
INVALID = _("The check that you are not a robot did not pass. Send the form again to retry.")
EXPIRED = _("The check that you are not a robot has expired. Send the form again to retry.")
UNAVAILABLE = _(
    "The check that you are not a robot cannot be confirmed just now. "
    "Wait a minute and send the form again."
)


@dataclass(frozen=True)
class Challenge:
    algorithm: str
    challenge: str
    maxnumber: int
    salt: str
    signature: str


# What issue_challenge makes: 24 hex digits, then the expiry in Unix seconds.
SALT = re.compile(r"[0-9a-f]{24}\?expires=([0-9]{10,11})")


def _sign(salt: str, challenge: str) -> str:
    """The HMAC of the salt (with its expiry) and the challenge, keyed by POW_HMAC_KEY or else
    by SECRET_KEY (for this use only)."""
    return salted_hmac(
        KEY_SALT, f"{salt}\n{challenge}", secret=settings.POW_HMAC_KEY or None, algorithm="sha256"
    ).hexdigest()


def _hash(salt: str, number: int) -> str:
    return hashlib.sha256(f"{salt}{number}".encode()).hexdigest()


def issue_challenge() -> Challenge:
    """Return a new challenge, valid for settings.POW_CHALLENGE_SECONDS."""
    expires = int(time.time()) + settings.POW_CHALLENGE_SECONDS
    salt = f"{secrets.token_hex(12)}?expires={expires}"
    number = secrets.randbelow(settings.POW_MAX_NUMBER + 1)
    challenge = _hash(salt, number)
    return Challenge(
        algorithm=ALGORITHM,
        challenge=challenge,
        maxnumber=settings.POW_MAX_NUMBER,
        salt=salt,
        signature=_sign(salt, challenge),
    )


def verify(payload: str | None) -> None:
    """Accept `payload` (the widget's base64 JSON answer) once, or raise Refused."""
    if not payload:
        raise Refused(MISSING)
    solution = _decode(payload)
    salt, number = solution["salt"], solution["number"]
    if solution["algorithm"] != ALGORITHM or not 0 <= number <= settings.POW_MAX_NUMBER:
        raise Refused(INVALID)
    shape = SALT.fullmatch(salt)
    if shape is None:
        raise Refused(INVALID)
    challenge = _hash(salt, number)
    if not (
        hmac.compare_digest(challenge, solution["challenge"])
        and hmac.compare_digest(_sign(salt, challenge), solution["signature"])
    ):
        raise Refused(INVALID)
    # Never remembered longer than a challenge lives, whatever a (signed) salt says.
    remaining = min(int(shape[1]) - int(time.time()), settings.POW_CHALLENGE_SECONDS)
    if remaining <= 0:
        raise Refused(EXPIRED)
    _use_once(solution["signature"], seconds=remaining)


def _decode(payload: str) -> dict:
    """The answer's fields with their types checked; Refused for anything else."""
    if len(payload) > MAX_PAYLOAD_LENGTH:
        raise Refused(INVALID)
    try:
        solution = json.loads(base64.b64decode(payload, validate=True))
    except (binascii.Error, ValueError, RecursionError):  # bad base64, bytes, or JSON
        raise Refused(INVALID) from None
    fields = {"algorithm": str, "challenge": str, "number": int, "salt": str, "signature": str}
    if not isinstance(solution, dict) or not all(
        type(solution.get(name)) is kind for name, kind in fields.items()
    ):
        raise Refused(INVALID)
    return solution


def _use_once(signature: str, *, seconds: int) -> None:
    """Remember a used challenge until it expires; Refused if it was used before, or if the
    cache cannot say (a cache that is down "accepts" every write and remembers nothing)."""
    key = f"pow:used:{signature}"
    token = secrets.token_hex(8)
    if not cache.add(key, token, timeout=seconds):
        raise Refused(INVALID)
    if cache.get(key) != token:
        raise Refused(UNAVAILABLE)


@never_cache
@rate_limited("pow_challenge", methods=("GET",), refused=lambda request: _too_often())
@require_GET
def challenge(request: HttpRequest) -> JsonResponse:
    """A new challenge for the widget: JSON, never cached, no cookie needed or set."""
    return JsonResponse(asdict(issue_challenge()))


def _too_often() -> JsonResponse:
    return JsonResponse({"error": str(TOO_OFTEN)}, status=429)
