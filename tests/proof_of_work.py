"""Solving the signup's proof-of-work check the way a script would: fetch a challenge from the
real endpoint, try numbers until the hash matches, send the answer the widget would send."""

import base64
import hashlib
import json

CHALLENGE_URL = "/pow/challenge/"


def solve(challenge: dict) -> str:
    """The widget's answer to `challenge` (the endpoint's JSON): base64 JSON with the number."""
    salt, target = challenge["salt"], challenge["challenge"]
    for number in range(challenge["maxnumber"] + 1):
        if hashlib.sha256(f"{salt}{number}".encode()).hexdigest() == target:
            return encode(challenge, number=number)
    raise AssertionError(f"no number up to {challenge['maxnumber']} solves {challenge}")


def encode(challenge: dict, **changes: object) -> str:
    """An answer built from `challenge` with `changes` (number, salt, signature...)."""
    fields = ("algorithm", "challenge", "salt", "signature")
    solution = {name: challenge[name] for name in fields} | {"took": 1} | changes
    return base64.b64encode(json.dumps(solution).encode()).decode()


def solved_payload(client) -> str:
    """A fresh challenge from the site, solved (`client`: Django's test client)."""
    return solve(client.get(CHALLENGE_URL).json())


def signup_data(client, **fields: str) -> dict:
    """What the signup form sends when a person fills it in and the widget has done its work."""
    from tests.factories import PASSWORD

    return {
        "email": "newbie@example.com",
        "username": "newbie",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "altcha": solved_payload(client),
    } | fields


def sign_up(client, **fields: str):
    """POST the signup form as a person would, the proof of work solved (`fields` override)."""
    return client.post("/accounts/signup/", signup_data(client, **fields))
