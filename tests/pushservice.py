"""A push service on 127.0.0.1, for tests: a real HTTP server that takes Web Push messages the
way Mozilla's or Google's does, and reads them the way the browser behind the subscription
would.

    with PushService() as service:
        subscription = service.subscription()  # {"endpoint": ..., "keys": {"p256dh", "auth"}}
        ...  # the code under test sends to it
        [message] = service.delivered(subscription)
        message.payload["body"]

A POST to an endpoint is checked as a push service checks it (RFC 8030, RFC 8292):

- `Authorization: vapid t=<JWT>, k=<public key>`: the JWT signed ES256 with the key `k`, its
  `aud` the endpoint's origin, its `exp` in the future and at most 24 hours ahead, its `sub`
  a mailto: or https: address. A missing or bad token is answered 401; a key that is not the
  one the subscription was made with (`subscription(server_key=...)`, as `applicationServerKey`
  in the browser) 403.
- a `TTL` header (400 without), `Content-Encoding: aes128gcm` when there is a body (400
  otherwise), a body of at most 4096 bytes (413).

The body is then decrypted with the subscription's private key and auth secret (RFC 8291), as
the browser would. A real push service cannot tell that a payload was encrypted for other
keys (the browser drops it silently); this one answers 400, so a sender's mistake fails its
test loudly instead of looking delivered.

What a subscription is answered can be scripted: `answer(sub, 410)` from now on,
`answer(sub, [500, 201])` one by one then 201 again, `slow(sub, seconds)` to wait before
answering. Every request is recorded (`requests`), a delivered one (answered 201) also in
`delivered(sub)`.
"""

import base64
import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

MAX_BODY = 4096  # RFC 8030's minimum a push service must accept; the one browsers rely on
MAX_EXP_AHEAD = 24 * 60 * 60  # RFC 8292: a token valid for more than a day is refused


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def raw_public_key(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> bytes:
    """The uncompressed point (65 bytes) a browser and a VAPID header carry."""
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


@dataclass
class Browser:
    """The browser's side of one subscription: its key pair and auth secret."""

    id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    server_key: bytes | None = None  # the applicationServerKey it subscribed with, if any
    answers: deque[int] = field(default_factory=deque)
    answer_always: int | None = None
    delay: float = 0.0

    @property
    def info(self) -> dict[str, object]:
        """What PushSubscription.toJSON() gives the page, and the page gives the site."""
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64url(raw_public_key(self.private_key)), "auth": b64url(self.auth)},
        }


@dataclass
class Received:
    """One request the push service took in, with what it found in it."""

    subscription: str  # the Browser's id
    status: int  # what it answered
    reason: str  # why, for an answer other than 201
    headers: dict[str, str]  # lower-case names
    claims: dict[str, object] | None = None  # the VAPID JWT's, once verified
    payload: object = None  # the decrypted body, decoded as JSON (text if it is not JSON)
    received_at: float = field(default_factory=time.time)


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class PushService:
    """The server and its records; a context manager that starts and stops it."""

    def __init__(self) -> None:
        self.browsers: dict[str, Browser] = {}
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- running ---------------------------------------------------------------------------

    def __enter__(self) -> "PushService":
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                service._handle(self)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stopping.set()  # wakes slow answers
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- scripting -------------------------------------------------------------------------

    def subscription(self, *, server_key: bytes | str | None = None) -> dict[str, object]:
        """Subscribe a new browser: a fresh P-256 key pair and a 16-byte auth secret. With
        `server_key` (the VAPID public key, raw or base64url) only messages signed with its
        private key are taken, as for a browser that passed applicationServerKey."""
        if isinstance(server_key, str):
            server_key = unb64url(server_key)
        sub_id = secrets.token_urlsafe(12)
        browser = Browser(
            id=sub_id,
            endpoint=f"{self.origin}/push/{sub_id}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=secrets.token_bytes(16),
            server_key=server_key,
        )
        with self._lock:
            self.browsers[sub_id] = browser
        return browser.info

    def _browser(self, subscription: dict[str, object] | str) -> Browser:
        endpoint = subscription if isinstance(subscription, str) else subscription["endpoint"]
        return self.browsers[endpoint.rsplit("/", 1)[-1]]

    def answer(self, subscription: dict[str, object] | str, status: int | list[int]) -> None:
        """Answer this subscription's next requests with these statuses, one each, then 201;
        or, given one status, with it from now on (410: the browser unsubscribed)."""
        browser = self._browser(subscription)
        with self._lock:
            if isinstance(status, int):
                browser.answer_always = status
                browser.answers.clear()
            else:
                browser.answer_always = None
                browser.answers = deque(status)

    def slow(self, subscription: dict[str, object] | str, seconds: float) -> None:
        """Wait this long before answering each request for this subscription."""
        self._browser(subscription).delay = seconds

    # -- reading ---------------------------------------------------------------------------

    def delivered(self, subscription: dict[str, object] | str | None = None) -> list[Received]:
        """The messages answered 201 (to this subscription, or to any)."""
        wanted = None if subscription is None else self._browser(subscription).id
        with self._lock:
            return [
                r
                for r in self.requests
                if r.status == 201 and (wanted is None or r.subscription == wanted)
            ]

    def received(self, subscription: dict[str, object] | str) -> list[Received]:
        """Every request for this subscription, whatever it was answered."""
        wanted = self._browser(subscription).id
        with self._lock:
            return [r for r in self.requests if r.subscription == wanted]

    # -- the push service ------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in request.headers.items()}
        sub_id = urlsplit(request.path).path.rsplit("/", 1)[-1]
        record = Received(subscription=sub_id, status=201, reason="", headers=headers)
        browser = self.browsers.get(sub_id) if request.path.startswith("/push/") else None
        try:
            if browser is None:
                raise Refused(404, "no such subscription")
            record.claims = self._check_vapid(headers, browser)
            self._check_message(headers, body)
            record.payload = self._decrypt(body, browser) if body else None
        except Refused as refused:
            record.status, record.reason = refused.status, refused.reason
        if browser is not None and browser.delay:
            self._stopping.wait(browser.delay)
        if record.status == 201 and browser is not None:
            with self._lock:
                if browser.answers:
                    record.status = browser.answers.popleft()
                elif browser.answer_always is not None:
                    record.status = browser.answer_always
            if record.status != 201:
                record.reason = "scripted"
        with self._lock:
            self.requests.append(record)
        answer = record.reason.encode()
        try:
            request.send_response(record.status)
            if record.status == 201:
                request.send_header("Location", f"{self.origin}/message/{secrets.token_hex(8)}")
            request.send_header("Content-Length", str(len(answer)))
            request.end_headers()
            request.wfile.write(answer)
        except OSError:
            pass  # the sender gave up waiting (a timeout): nothing to answer

    def _check_vapid(self, headers: dict[str, str], browser: Browser) -> dict[str, object]:
        scheme, _, params = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "vapid":
            raise Refused(401, "no VAPID authorization")
        values = {}
        for part in params.split(","):
            name, _, value = part.strip().partition("=")
            values[name.strip()] = value.strip()
        if not values.get("t") or not values.get("k"):
            raise Refused(401, "VAPID authorization without t= and k=")
        try:
            raw_key = unb64url(values["k"])
            key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw_key)
        except ValueError:
            raise Refused(401, "VAPID key k= is not a P-256 public key") from None
        if browser.server_key is not None and raw_key != browser.server_key:
            raise Refused(403, "VAPID key is not the subscription's application server key")
        try:
            claims = jwt.decode(
                values["t"],
                key,
                algorithms=["ES256"],
                audience=self.origin,
                options={"require": ["aud", "exp", "sub"]},
            )
        except jwt.InvalidTokenError as error:
            raise Refused(401, f"VAPID token refused: {error}") from None
        if claims["exp"] > time.time() + MAX_EXP_AHEAD:
            raise Refused(401, "VAPID token expires more than 24 hours ahead")
        if not str(claims["sub"]).startswith(("mailto:", "https:")):
            raise Refused(401, "VAPID sub is neither mailto: nor https:")
        return claims

    def _check_message(self, headers: dict[str, str], body: bytes) -> None:
        if "ttl" not in headers or not headers["ttl"].isdigit():
            raise Refused(400, "TTL header missing")
        if body and headers.get("content-encoding", "").lower() != "aes128gcm":
            raise Refused(400, "Content-Encoding must be aes128gcm")
        if len(body) > MAX_BODY:
            raise Refused(413, "payload larger than 4096 bytes")

    def _decrypt(self, body: bytes, browser: Browser) -> object:
        try:
            plain = http_ece.decrypt(
                body, private_key=browser.private_key, auth_secret=browser.auth,
                version="aes128gcm",
            )  # fmt: skip
        except Exception as error:
            raise Refused(400, f"the browser could not decrypt the payload: {error}") from None
        text = plain.decode()
        try:
            return json.loads(text)
        except ValueError:
            return text


def vapid_private_key() -> tuple[str, str]:
    """A fresh VAPID key pair: the private scalar and the public point, both base64url (the
    forms settings.VAPID_PRIVATE_KEY and a page's applicationServerKey take)."""
    key = ec.generate_private_key(ec.SECP256R1())
    scalar = key.private_numbers().private_value.to_bytes(32, "big")
    return b64url(scalar), b64url(raw_public_key(key))
