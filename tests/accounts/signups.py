"""Signing up through the real signup page, for the tests of who may sign up. Every POST to
/accounts/signup/ in these tests is built here, with the proof of work solved as a script
would (tests/proof_of_work.py), so what a signup must carry is added once."""

from django.test import Client

from tests.proof_of_work import signup_data


def sign_up(client: Client, **overrides: object):
    return client.post("/accounts/signup/", signup_data(client, **overrides))
