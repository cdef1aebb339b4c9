from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from apps.core import usernames
from apps.core.links import remembered_url
from apps.profiles.services import create_profile


class Members(UserManager):
    def get_by_natural_key(self, username: str) -> "User":
        """Usernames are unique whatever the case and whatever Unicode form was typed; the
        lookup agrees (createsuperuser's "already taken" check, fixtures), on the Lower index."""
        handle = usernames.normalize(username)
        return self.annotate(handle=Lower("username")).get(handle=str(handle).lower())


class User(AbstractUser):
    """The site's user. Custom from the first migration, as Django recommends, so it can grow
    without a painful swap later. Public data lives in profiles.Profile."""

    username_validator = usernames.UsernameValidator()
    username = models.CharField(
        _("username"),
        max_length=150,
        unique=True,
        help_text=_("3 to 30 characters: English letters, digits and underscores (_)."),
        validators=[username_validator],
        error_messages={"unique": _("A user with that username already exists.")},
    )

    objects = Members()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_message=_("A user with that username already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def save(self, *args: object, **kwargs: object) -> None:
        # Every way a user comes to exist (signup, social signup, createsuperuser, the admin,
        # create_user) goes through here, so the Profile is created in the same transaction.
        # Whatever path set it, a username is stored in its NFKC form (what was checked).
        self.username = usernames.normalize(self.username)
        if not self._state.adding:
            super().save(*args, **kwargs)
            return
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            create_profile(user=self)

    @classmethod
    def normalize_username(cls, username: str) -> str:
        return usernames.normalize(username)

    def get_absolute_url(self) -> str:
        return remembered_url(self, "username", "profiles:detail", username=self.username)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
