from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from apps.core.web.links import remembered_url

from . import usernames


class Members(UserManager):
    def get_by_natural_key(self, username: str) -> "User":
        """Usernames are unique whatever the case and whatever Unicode form was typed; the
        lookup agrees (createsuperuser's "already taken" check, fixtures), on the Lower index."""
        handle = usernames.normalize(username)
        return self.annotate(handle=Lower("username")).get(handle=str(handle).lower())


class User(AbstractUser):
    """The site's user: who a member is (handle, name, address, password, language). Custom from
    the first migration, as Django recommends. Public data lives in profiles.Profile, created
    with the user by a receiver in profiles."""

    username_validator = usernames.UsernameValidator()
    username = models.CharField(
        _("username"),
        max_length=150,
        unique=True,
        help_text=_("3 to 30 characters: English letters, digits and underscores (_)."),
        validators=[username_validator],
        error_messages={"unique": _("A user with that username already exists.")},
    )
    # The interface language the member chose ("" follows the browser); it follows them to
    # every device and speaks in the mail sent to them.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True,
        help_text=_("Empty: follow the browser."),
    )  # fmt: skip

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

    @classmethod
    def from_db(cls, db, field_names, values, *args: object, **kwargs: object) -> "User":
        user = super().from_db(db, field_names, values, *args, **kwargs)
        user._stored_username = user.__dict__.get("username")
        return user

    def clean_fields(self, exclude=None) -> None:
        """A handle kept as it was stored is not checked again (the admin saving other
        fields): members keep a handle the reserved list gained after they took it."""
        if self.username is not None and self.username == getattr(self, "_stored_username", None):
            exclude = {*(exclude or ()), "username"}
        super().clean_fields(exclude=exclude)

    def save(self, *args: object, **kwargs: object) -> None:
        # Whatever path set it (signup, social signup, createsuperuser, the admin), a username
        # is stored in its NFKC form: what was checked.
        self.username = usernames.normalize(self.username)
        if not self._state.adding:
            super().save(*args, **kwargs)
            return
        # A new user and what receivers of post_save make with it (the Profile) are saved
        # together or not at all.
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)

    @classmethod
    def normalize_username(cls, username: str) -> str:
        return usernames.normalize(username)

    def get_absolute_url(self) -> str:
        return remembered_url(self, "username", "profiles:detail", username=self.username)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class EmailDomainRule(models.Model):
    """An operator's word on one email domain and its subdomains: block it, or allow it although
    the list of disposable-mail domains blocks it. The most specific rule wins."""

    class Action(models.TextChoices):
        BLOCK = "block", _("Block")
        ALLOW = "allow", _("Allow")

    domain = models.CharField(
        _("domain"), max_length=253, unique=True,
        help_text=_("Also covers its subdomains: example.com covers mail.example.com."),
    )  # fmt: skip
    action = models.CharField(_("action"), max_length=5, choices=Action, default=Action.BLOCK)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = _("email domain rule")
        verbose_name_plural = _("email domain rules")

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.domain}"

    def clean(self) -> None:
        from .blocklists import clean_domain

        self.domain = clean_domain(self.domain)


class DisposableDomain(models.Model):
    """The list of disposable-mail domains as an operator last loaded it
    (manage.py update_email_blocklist); while empty, the list shipped with the release."""

    domain = models.CharField(max_length=253, primary_key=True)

    class Meta:
        verbose_name = _("disposable-mail domain")
        verbose_name_plural = _("disposable-mail domains")

    def __str__(self) -> str:
        return self.domain


class BlockedNetwork(models.Model):
    """A range of client addresses (CIDR) refused at signup, by email or by a provider."""

    network = models.CharField(
        _("network"), max_length=49, unique=True,
        help_text=_("An address or a range: 203.0.113.0/24, 2001:db8::/48. IPv6 ranges are "
                    "matched by whole /64 networks, so use /64 or wider."),
    )  # fmt: skip
    note = models.CharField(_("note"), max_length=200, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["network"]
        verbose_name = _("blocked network")
        verbose_name_plural = _("blocked networks")

    def __str__(self) -> str:
        return self.network

    def clean(self) -> None:
        from .blocklists import clean_network

        self.network = clean_network(self.network)
