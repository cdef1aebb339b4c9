from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import profile_url

BIO_MAX_LENGTH = 500
AVATAR_SIZE = 512
AVATAR_THUMBNAIL_SIZE = 96


class Theme(models.TextChoices):
    SYSTEM = "system", _("System")
    LIGHT = "light", _("Light")
    DARK = "dark", _("Dark")


class Audience(models.TextChoices):
    """Who sees a member online and when they were last seen (apps.profiles.audiences)."""

    EVERYONE = "everyone", _("Everyone")
    FOLLOWING = "following", _("People I follow")
    MUTUALS = "mutuals", _("People I follow who follow me")
    NOBODY = "nobody", _("Nobody")


class Profile(models.Model):
    """The public side of a user: one per User, created with it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    bio = models.TextField("about", max_length=BIO_MAX_LENGTH, blank=True)
    # Square re-encoded avatar and its small thumbnail, under random names (see the photo
    # pipeline in services.py); never the uploaded file itself.
    photo = models.ImageField(upload_to="avatars/", blank=True)
    photo_thumbnail = models.ImageField(upload_to="avatars/", blank=True)
    created = models.DateTimeField("member since", default=timezone.now, editable=False)
    is_online = models.BooleanField(default=False, db_index=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    theme = models.CharField(
        "theme", max_length=6, choices=Theme.choices, default=Theme.SYSTEM,
        help_text=_("System: follow the device's light or dark setting."),
    )  # fmt: skip
    presence_audience = models.CharField(
        "who sees my online status",
        max_length=9,
        choices=Audience.choices,
        default=Audience.EVERYONE,
    )
    # "Appear offline": from offline_since (the "last seen" others are shown meanwhile)
    # until offline_until, or until the member turns it off when that is empty.
    offline_since = models.DateTimeField(null=True, blank=True, editable=False)
    offline_until = models.DateTimeField(null=True, blank=True, editable=False)
    # The member closed the first-steps checklist on the feed before finishing it.
    first_steps_dismissed = models.BooleanField(default=False, editable=False)

    class Meta:
        indexes = [models.Index(fields=["-created"], name="profiles_created_idx")]

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    def get_absolute_url(self) -> str:
        return profile_url(self.user.username)
