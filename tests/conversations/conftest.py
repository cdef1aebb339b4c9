"""The members the conversations' tests write between, by name, and alice signed in."""

import pytest

from tests.factories import UserFactory


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", first_name="Alice", last_name="Liddell")


@pytest.fixture
def boris(db):
    return UserFactory(username="boris", first_name="Boris", last_name="Pasternak")


@pytest.fixture
def clara(db):
    return UserFactory(username="clara", first_name="Clara", last_name="Schumann")


@pytest.fixture
def carol(db):
    return UserFactory(username="carol", first_name="Carol", last_name="Shields")


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client
