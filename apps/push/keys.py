"""The site's VAPID key pair (RFC 8292): a push service takes a message for a browser only when
it is signed with the private key whose public half the browser was given when it subscribed
(its applicationServerKey).

settings.VAPID_PRIVATE_KEY takes the forms people have at hand:

- a PEM (`vapid --gen`'s private_key.pem, `openssl ecparam -name prime256v1 -genkey`), its
  line breaks real or written as "\\n" (an environment variable on one line);
- the raw 32-byte private scalar as base64url (what `manage.py vapid_keys`, the web-push
  tools and most guides print), or a PKCS#8 DER as base64url (py-vapid's other form);
- 64 hexadecimal characters: the same scalar in hex. Heroku's app.json `"generator":
  "secret"` makes such a string; any of them from 1 up to the curve's order is a valid key.

Unset with DEBUG, a key is made on first use and kept in settings.VAPID_DEVELOPMENT_KEY_FILE
(outside git), so `make run` pushes with no setup; unset without DEBUG, push is off and the
settings page says so.
"""

import base64
import binascii
import logging
import os
import re
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from py_vapid import Vapid02

logger = logging.getLogger(__name__)

# The order of the P-256 group (SEC 2, secp256r1 "n"): a private scalar is 1 ≤ d < N.
CURVE_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")
BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")


class InvalidKey(ValueError):
    """VAPID_PRIVATE_KEY is not a P-256 private key in any form this site reads."""


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without its padding; binascii.Error if it is not that."""
    if not BASE64URL.fullmatch(text):
        raise binascii.Error("not base64url")
    return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _from_scalar(value: int) -> ec.EllipticCurvePrivateKey:
    if not 1 <= value < CURVE_ORDER:
        raise InvalidKey("The key's number is 0 or not below the P-256 curve's order.")
    return ec.derive_private_key(value, ec.SECP256R1())


def parse_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    """Read a P-256 private key from any of the forms in this module's docstring."""
    text = text.strip().strip("\"'").strip()
    if not text:
        raise InvalidKey("The key is empty.")
    if "-----BEGIN" in text:
        pem = text.replace("\\n", "\n").encode("ascii", "replace")
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as error:
            raise InvalidKey(f"The PEM could not be read ({error}).") from None
        return _on_p256(key)
    if HEX_KEY.fullmatch(text):
        return _from_scalar(int(text, 16))
    try:
        raw = b64url_decode(text)
    except (binascii.Error, ValueError):
        raise InvalidKey(
            "The key is neither a PEM, 64 hexadecimal characters, nor base64url."
        ) from None
    if len(raw) == 32:
        return _from_scalar(int.from_bytes(raw, "big"))
    try:
        key = serialization.load_der_private_key(raw, password=None)
    except (ValueError, TypeError):
        raise InvalidKey(
            f"The key decodes to {len(raw)} bytes: neither a raw 32-byte P-256 key nor a DER."
        ) from None
    return _on_p256(key)


def _on_p256(key: object) -> ec.EllipticCurvePrivateKey:
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise InvalidKey("The key is not an elliptic-curve key on P-256 (prime256v1).")
    return key


def generate_private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def raw_private_key(key: ec.EllipticCurvePrivateKey) -> str:
    """The key as VAPID_PRIVATE_KEY is best written: its 32-byte scalar, base64url."""
    return b64url_encode(key.private_numbers().private_value.to_bytes(32, "big"))


def raw_public_key(key: ec.EllipticCurvePrivateKey) -> str:
    """The public half as browsers take it (applicationServerKey): the 65-byte uncompressed
    point, base64url."""
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url_encode(point)


def _development_key(path: Path) -> str:
    """The key kept at `path`, made there first if missing ("" where it cannot be written:
    push is off). Made with O_EXCL, so the server and the worker starting together keep one
    key between them."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    except OSError as error:
        logger.warning("Push is off: the development key %s cannot be read (%s).", path, error)
        return ""
    text = raw_private_key(generate_private_key())
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    except OSError as error:
        logger.warning("Push is off: the development key %s cannot be made (%s).", path, error)
        return ""
    with os.fdopen(descriptor, "w") as file:
        file.write(text + "\n")
    return text


@lru_cache(maxsize=4)
def _load(text: str, development_file: str) -> ec.EllipticCurvePrivateKey | None:
    if not text and development_file:
        text = _development_key(Path(development_file))
    return parse_private_key(text) if text else None


def private_key() -> ec.EllipticCurvePrivateKey | None:
    """The site's VAPID private key; None when push is off. InvalidKey for a key that cannot
    be read (the system check refuses such a setting before the site starts)."""
    development_file = settings.VAPID_DEVELOPMENT_KEY_FILE
    return _load(settings.VAPID_PRIVATE_KEY, str(development_file or ""))


def configured() -> bool:
    """Whether the site can push: it has a key that reads."""
    try:
        return private_key() is not None
    except InvalidKey:
        return False


def public_key() -> str:
    """The applicationServerKey browsers subscribe with ("" when push is off)."""
    try:
        key = private_key()
    except InvalidKey:
        return ""
    return raw_public_key(key) if key is not None else ""


def vapid() -> Vapid02 | None:
    """A py-vapid signer holding the key, for pywebpush's `vapid_private_key` (None when push
    is off). Handing pywebpush the key's text instead would first be tried as a file name."""
    key = private_key()
    return Vapid02(private_key=key) if key is not None else None
