from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, transaction
from django.db.models.functions import Lower
from django.urls import reverse

from apps.profiles.services import create_profile


class User(AbstractUser):
    """The site's user. Custom from the first migration, as Django recommends, so it can grow
    without a painful swap later. Public data lives in profiles.Profile."""

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_message="A user with that username already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def save(self, *args: object, **kwargs: object) -> None:
        # Every way a user comes to exist (signup, social signup, createsuperuser, the admin,
        # create_user) goes through here, so the Profile is created in the same transaction.
        if not self._state.adding:
            super().save(*args, **kwargs)
            return
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            create_profile(user=self)

    def get_absolute_url(self) -> str:
        return reverse("profiles:detail", kwargs={"username": self.username})

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
