"""Signing up through the real signup page, for the tests of who may sign up. Every POST to
/accounts/signup/ in these tests is built here, so what a signup must carry is added once."""

from django.test import Client

from tests.factories import PASSWORD


def signup_data(**overrides: object) -> dict[str, object]:
    return {
        "email": "newbie@example.com",
        "username": "newbie",
        "password1": PASSWORD,
        "password2": PASSWORD,
    } | overrides


def sign_up(client: Client, **overrides: object):
    return client.post("/accounts/signup/", signup_data(**overrides))
