import pytest
from django.contrib.auth.models import Group

from tests.factories import PostFactory, UserFactory


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", first_name="Bob", last_name="Builder")


@pytest.fixture
def post(bob):
    return PostFactory(author=bob, title="Buy cheap watches", text="Click here for watches")


@pytest.fixture
def mod(db):
    moderator = UserFactory(username="mod")
    moderator.groups.add(Group.objects.get(name="moderator"))
    return moderator
