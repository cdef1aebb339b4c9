import pytest

from tests.factories import UserFactory


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", first_name="Alice", last_name="A")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", first_name="Bob", last_name="B")
