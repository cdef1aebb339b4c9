"""The proof-of-work check and the honeypot on signup: a script that skips the work, forges,
replays or stockpiles answers, or fills every field, creates nothing."""

import base64
import json
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client

from apps.core.web import proof_of_work
from tests.proof_of_work import CHALLENGE_URL, encode, sign_up, signup_data, solve, solved_payload
from tests.servers import HeldPort

pytestmark = pytest.mark.django_db
User = get_user_model()

REFUSED = "The check that you are not a robot did not pass"


def challenge(client: Client) -> dict:
    return client.get(CHALLENGE_URL).json()


def refused_with(response, message: str) -> bool:
    return response.status_code == 200 and message in response.content.decode()


def test_a_solved_challenge_signs_up(client):
    response = sign_up(client)
    assert response.status_code == 302
    assert User.objects.filter(username="newbie").exists()


def test_a_scripted_signup_without_the_work_is_refused_and_creates_nothing(client):
    data = signup_data(client)
    del data["altcha"]
    response = client.post("/accounts/signup/", data)
    assert refused_with(response, "The check that you are not a robot has not finished")
    assert "needs JavaScript" in response.content.decode()
    assert not User.objects.exists()


def number_in(answer: str) -> int:
    return json.loads(base64.b64decode(answer))["number"]


def test_a_forged_signature_is_refused(client):
    issued = challenge(client)
    forged = encode(issued, number=number_in(solve(issued)), signature="0" * 64)
    assert refused_with(sign_up(client, altcha=forged), REFUSED)
    assert not User.objects.exists()


def test_a_challenge_made_up_by_the_client_is_refused(client):
    salt = "made-up?expires=9999999999"
    mine = {"algorithm": "SHA-256", "salt": salt, "maxnumber": 10, "signature": "0" * 64,
            "challenge": proof_of_work._hash(salt, 3)}  # fmt: skip
    assert refused_with(sign_up(client, altcha=encode(mine, number=3)), REFUSED)
    assert not User.objects.exists()


def test_a_challenge_signed_with_another_key_is_refused(client, settings):
    answer = solved_payload(client)
    settings.POW_HMAC_KEY = "a-new-key-for-the-proof-of-work"
    assert refused_with(sign_up(client, altcha=answer), REFUSED)
    assert sign_up(client).status_code == 302  # a challenge under the new key passes


def test_a_wrong_number_is_refused(client):
    issued = challenge(client)
    right = number_in(solve(issued))
    wrong = encode(issued, number=(right + 1) % (issued["maxnumber"] + 1))
    assert refused_with(sign_up(client, altcha=wrong), REFUSED)
    assert not User.objects.exists()


def test_a_number_beyond_the_difficulty_is_refused(client, settings):
    """A challenge made when the difficulty was higher does not pass a lower one."""
    issued = challenge(client)
    answer = solve(issued)
    settings.POW_MAX_NUMBER = number_in(answer) - 1
    assert refused_with(sign_up(client, altcha=answer), REFUSED)


def test_an_expired_challenge_is_refused(client, settings):
    with time_machine.travel("2030-01-01 10:00:00Z", tick=False) as clock:
        answer = solved_payload(client)
        clock.shift(timedelta(seconds=settings.POW_CHALLENGE_SECONDS + 1))
        response = sign_up(client, altcha=answer)
    assert refused_with(response, "The check that you are not a robot has expired")
    assert not User.objects.exists()


def test_a_changed_expiry_breaks_the_signature(client):
    issued = challenge(client)
    number = number_in(solve(issued))
    later = issued["salt"].replace("?expires=", "?expires=9")
    extended = encode(issued, number=number, salt=later)
    assert refused_with(sign_up(client, altcha=extended), REFUSED)


def solved_with_digits(client: Client, digits: int) -> tuple[dict, int]:
    """A challenge whose number has more than `digits` digits, none of them a leading zero
    once the first `digits` are taken away, and that number."""
    while True:
        issued = challenge(client)
        number = str(number_in(solve(issued)))
        if len(number) > digits and number[digits] != "0":
            return issued, int(number)


def moved_into_the_salt(issued: dict, number: int, digits: int) -> str:
    """The same hash with the first digits of the number moved onto the end of the salt,
    and so onto the end of its expiry."""
    text = str(number)
    return encode(issued, salt=issued["salt"] + text[:digits], number=int(text[digits:]))


def test_a_digit_moved_into_the_salt_neither_revives_nor_lengthens_an_answer(client):
    issued, number = solved_with_digits(client, 1)
    answer = encode(issued, number=number)
    with time_machine.travel(timedelta(hours=3), tick=False):  # long after it expired
        later = Client()
        assert refused_with(sign_up(later, altcha=answer), "has expired")
        assert refused_with(sign_up(later, altcha=moved_into_the_salt(issued, number, 1)), REFUSED)
    assert not User.objects.exists()


def test_an_expiry_past_the_year_9999_is_refused_not_an_error(client):
    issued, number = solved_with_digits(client, 3)
    response = sign_up(client, altcha=moved_into_the_salt(issued, number, 3))
    assert refused_with(response, REFUSED)
    assert not User.objects.exists()


def test_a_solution_is_accepted_once(client):
    answer = solved_payload(client)
    assert sign_up(client, altcha=answer).status_code == 302
    again = Client()
    response = sign_up(again, altcha=answer, email="second@example.com", username="second")
    assert refused_with(response, REFUSED)
    assert list(User.objects.values_list("username", flat=True)) == ["newbie"]


def test_with_the_cache_down_a_solution_is_refused_with_a_clear_message(client, settings):
    answer = solved_payload(client)
    down = HeldPort()  # bound, not listening: like a Redis that is down
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.ops.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{down.port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    try:
        response = sign_up(client, altcha=answer)
    finally:
        down.release()
    assert refused_with(response, "cannot be confirmed just now")
    assert not User.objects.exists()


JUNK = [
    "",
    "not base64 at all!",
    "////",
    base64.b64encode(b"\xff\xfe\x00").decode(),
    base64.b64encode(b"not json").decode(),
    base64.b64encode(b"[1, 2, 3]").decode(),
    base64.b64encode(b'"a string"').decode(),
    base64.b64encode(b"[" * 1400).decode(),
    base64.b64encode(json.dumps({"number": "1", "salt": 1}).encode()).decode(),
    base64.b64encode(json.dumps({"algorithm": "SHA-256", "challenge": "x", "number": True,
                                 "salt": "s", "signature": "y"}).encode()).decode(),
    base64.b64encode(json.dumps({"algorithm": "SHA-1", "challenge": "x", "number": 1,
                                 "salt": "s", "signature": "y"}).encode()).decode(),
    base64.b64encode(json.dumps({"algorithm": "SHA-256", "challenge": "x", "number": -1,
                                 "salt": "s", "signature": "y"}).encode()).decode(),
    base64.b64encode(b'{"number": 1' + b"9" * 1500 + b"}").decode(),
    "A" * 100_000,
    "é" * 50,
]  # fmt: skip


@pytest.mark.parametrize("junk", JUNK)
def test_junk_in_place_of_a_solution_is_refused_without_an_error(client, junk):
    response = sign_up(client, altcha=junk)
    assert response.status_code == 200
    assert "The check that you are not a robot" in response.content.decode()
    assert not User.objects.exists()


def test_a_filled_honeypot_is_refused_with_a_generic_error_and_creates_nothing(client):
    response = sign_up(client, website="https://spam.example")
    assert refused_with(response, "This form could not be accepted")
    assert not User.objects.exists()


def test_the_honeypot_is_hidden_from_people_and_says_to_leave_it_empty(client):
    html = client.get("/accounts/signup/").content.decode()
    assert '<div class="visually-hidden" aria-hidden="true">' in html
    assert '<label for="id_website">Leave this field empty</label>' in html
    assert 'name="website" id="id_website" tabindex="-1" autocomplete="off"' in html


def test_the_signup_page_loads_the_widget_from_this_site(client):
    html = client.get("/accounts/signup/").content.decode()
    assert '<script type="module" src="/static/vendor/altcha/altcha.js"></script>' in html
    assert 'challengeurl="/pow/challenge/"' in html
    assert 'auto="onload"' in html
    assert "<noscript>" in html


def test_the_widget_speaks_russian_on_a_russian_page(client):
    client.post("/language/", {"language": "ru"})
    html = client.get("/accounts/signup/").content.decode()
    assert "Я не робот" in html
    assert "Для этой формы нужен JavaScript" in html


def test_the_challenge_is_fresh_json_that_needs_no_cookie(client):
    response = client.get(CHALLENGE_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies
    issued = response.json()
    assert set(issued) == {"algorithm", "challenge", "maxnumber", "salt", "signature"}
    assert issued["algorithm"] == "SHA-256"
    assert "?expires=" in issued["salt"]
    assert issued != client.get(CHALLENGE_URL).json()


def test_the_challenge_is_only_read(client):
    assert client.post(CHALLENGE_URL).status_code == 405


def test_challenges_are_rate_limited_per_address(client, settings, rate_window):
    settings.RATE_LIMITS = settings.RATE_LIMITS | {"pow_challenge": "3/m/ip"}
    statuses = [client.get(CHALLENGE_URL).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get(CHALLENGE_URL)
    assert refused["Content-Type"] == "application/json"
    assert "too often" in refused.json()["error"]
