from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    first_name = "Ada"
    last_name = factory.Sequence(lambda n: f"Tester{n}")
    password = factory.django.Password(PASSWORD)
    # An established member: a new account's first-day limits (NEW_MEMBER_LIMITS) have their
    # own tests, which make new accounts.
    date_joined = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        """A user made by the factory has a verified primary address, like a real member."""
        if create and extracted is not False and user.email:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "feed.Post"

    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Post number {n}")
    text = "Some words about something."


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "feed.Comment"

    post = factory.SubFactory(PostFactory)
    author = factory.SubFactory(UserFactory)
    text = "Nice post."
