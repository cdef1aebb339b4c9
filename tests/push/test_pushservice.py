"""The push service stand-in checks what a real push service checks and reads what a real
browser reads: messages from pywebpush get through, and a wrong signature, a wrong audience,
a payload encrypted for other keys or a message without its headers are refused."""

import json
import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from pywebpush import WebPusher, WebPushException, webpush

from tests.pushservice import PushService, b64url, raw_public_key, vapid_private_key


@pytest.fixture
def service():
    with PushService() as running:
        yield running


@pytest.fixture
def keys():
    return vapid_private_key()


def send(subscription, keys, data="{}", **claims):
    return webpush(
        subscription, data, vapid_private_key=keys[0],
        vapid_claims={"sub": "mailto:push@example.com", **claims}, ttl=60, timeout=5,
    )  # fmt: skip


def signed_headers(private_key, claims):
    """A VAPID header signed by hand, for claims pywebpush would not write."""
    token = jwt.encode(claims, private_key, algorithm="ES256")
    return {"Authorization": f"vapid t={token}, k={b64url(raw_public_key(private_key))}"}


def test_a_message_from_pywebpush_is_decrypted_as_the_browser_would(service, keys):
    subscription = service.subscription(server_key=keys[1])

    response = send(subscription, keys, json.dumps({"title": "Eternity", "body": "Привет"}))

    assert response.status_code == 201
    [message] = service.delivered(subscription)
    assert message.payload == {"title": "Eternity", "body": "Привет"}
    assert message.claims["aud"] == service.origin
    assert message.claims["sub"] == "mailto:push@example.com"
    assert message.headers["ttl"] == "60"


def test_a_token_signed_by_another_key_is_refused(service, keys):
    subscription = service.subscription()
    header = signed_headers(
        ec.generate_private_key(ec.SECP256R1()),
        {"aud": service.origin, "exp": int(time.time()) + 3600, "sub": "mailto:a@example.com"},
    )
    # The token is signed by one key and names another as its signer.
    header["Authorization"] = header["Authorization"].split(", k=")[0] + f", k={keys[1]}"

    response = requests.post(subscription["endpoint"], headers={**header, "TTL": "60"}, timeout=5)

    assert response.status_code == 401
    assert "Signature" in response.text
    assert service.delivered(subscription) == []


def test_a_token_for_another_audience_is_refused(service, keys):
    subscription = service.subscription()

    with pytest.raises(WebPushException) as refused:
        send(subscription, keys, aud="https://push.example.net")

    assert refused.value.response.status_code == 401
    assert "audience" in refused.value.response.text.lower()


def test_a_token_that_expired_or_lasts_more_than_a_day_is_refused(service, keys):
    subscription = service.subscription()
    key = ec.generate_private_key(ec.SECP256R1())
    for exp in (time.time() - 60, time.time() + 25 * 3600):
        claims = {"aud": service.origin, "exp": int(exp), "sub": "mailto:a@example.com"}
        response = requests.post(
            subscription["endpoint"], headers={**signed_headers(key, claims), "TTL": "0"},
            timeout=5,
        )  # fmt: skip
        assert response.status_code == 401


def test_a_sub_that_is_no_address_is_refused(service):
    subscription = service.subscription()
    claims = {"aud": service.origin, "exp": int(time.time()) + 3600, "sub": "push@example.com"}
    headers = signed_headers(ec.generate_private_key(ec.SECP256R1()), claims)

    response = requests.post(subscription["endpoint"], headers={**headers, "TTL": "0"}, timeout=5)

    assert response.status_code == 401
    assert "sub" in response.text


def test_a_key_other_than_the_subscriptions_server_key_is_refused(service, keys):
    subscription = service.subscription(server_key=vapid_private_key()[1])

    with pytest.raises(WebPushException) as refused:
        send(subscription, keys)

    assert refused.value.response.status_code == 403


def test_a_payload_encrypted_for_other_keys_is_refused(service, keys):
    subscription = service.subscription()
    other = service.subscription()
    body = WebPusher({**subscription, "keys": other["keys"]}).encode(b'{"body": "secret"}')["body"]
    headers = Vapid.from_string(keys[0]).sign(
        {"aud": service.origin, "exp": int(time.time()) + 3600, "sub": "mailto:a@example.com"}
    )

    response = requests.post(
        subscription["endpoint"], data=body,
        headers={**headers, "TTL": "60", "Content-Encoding": "aes128gcm"}, timeout=5,
    )  # fmt: skip

    assert response.status_code == 400
    assert "decrypt" in response.text
    assert service.delivered() == []


def test_a_message_without_ttl_or_without_aes128gcm_is_refused(service, keys):
    subscription = service.subscription()
    headers = Vapid.from_string(keys[0]).sign(
        {"aud": service.origin, "exp": int(time.time()) + 3600, "sub": "mailto:a@example.com"}
    )
    without_ttl = requests.post(subscription["endpoint"], headers=headers, timeout=5)
    old_encoding = requests.post(
        subscription["endpoint"], data=b"x" * 100,
        headers={**headers, "TTL": "60", "Content-Encoding": "aesgcm"}, timeout=5,
    )  # fmt: skip

    assert (without_ttl.status_code, old_encoding.status_code) == (400, 400)


def test_a_payload_over_4096_bytes_is_refused(service, keys):
    with pytest.raises(WebPushException) as refused:
        send(service.subscription(), keys, "x" * 4100)

    assert refused.value.response.status_code == 413


def test_scripted_answers_come_one_by_one_then_201(service, keys):
    subscription = service.subscription()
    service.answer(subscription, [500, 429])

    statuses = []
    for _ in range(3):
        try:
            statuses.append(send(subscription, keys).status_code)
        except WebPushException as error:
            statuses.append(error.response.status_code)

    assert statuses == [500, 429, 201]
    assert len(service.received(subscription)) == 3
    assert len(service.delivered(subscription)) == 1


def test_an_unsubscribed_browser_is_gone_and_an_unknown_one_not_found(service, keys):
    subscription = service.subscription()
    service.answer(subscription, 410)
    unknown = {**subscription, "endpoint": f"{service.origin}/push/nobody"}

    with pytest.raises(WebPushException) as gone:
        send(subscription, keys)
    with pytest.raises(WebPushException) as not_found:
        send(unknown, keys)

    assert (gone.value.response.status_code, not_found.value.response.status_code) == (410, 404)


def test_a_slow_answer_makes_the_sender_time_out(service, keys):
    subscription = service.subscription()
    service.slow(subscription, 3)

    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        webpush(
            subscription, "{}", vapid_private_key=keys[0],
            vapid_claims={"sub": "mailto:a@example.com"}, ttl=0, timeout=0.5,
        )  # fmt: skip

    assert time.monotonic() - started < 2
