import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.web.links import remembered_url

from . import usernames


class Members(UserManager):
    def get_by_natural_key(self, username: str) -> "User":
        """Usernames are unique whatever the case and whatever Unicode form was typed; the
        lookup agrees (createsuperuser's "already taken" check, fixtures), on the Lower index."""
        handle = usernames.normalize(username)
        return self.annotate(handle=Lower("username")).get(handle=str(handle).lower())


def profile_url(username: str) -> str:
    """A member's profile address, from their username alone (what a kept card holds)."""
    return reverse("profiles:detail", kwargs={"username": username})


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

    # The invitation the account was made with, while it exists: who brought whom.
    invitation = models.ForeignKey("accounts.Invitation", on_delete=models.SET_NULL, null=True,
                                   blank=True, editable=False, related_name="accounts")  # fmt: skip

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


class SignupMode(models.TextChoices):
    OPEN = "open", _("Open: anyone can sign up")
    APPROVAL = "approval", _("Approval: moderators accept each new account")
    INVITATION = "invitation", _("Invitation only: sign up with a member's link")
    CLOSED = "closed", _("Closed: nobody can sign up")


class SignupPolicy(models.Model):
    """Who may sign up, as the operator sets it in the admin: one row (pk 1). Without it the
    REGISTRATION_MODE setting applies. Read through accounts.selectors.signup_policy, which
    caches it in the shared cache; saving forgets that copy, so every worker sees a change at
    once."""

    mode = models.CharField(_("registration mode"), max_length=20, choices=SignupMode)
    question = models.TextField(
        _("question for applicants"), max_length=500, blank=True,
        help_text=_("Asked on the signup page in approval mode; moderators read the answers."),
    )  # fmt: skip
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("signup policy")
        verbose_name_plural = _("signup policy")

    def __str__(self) -> str:
        return str(self.get_mode_display())

    def save(self, *args: object, **kwargs: object) -> None:
        from .selectors import forget_signup_policy

        self.pk = 1
        super().save(*args, **kwargs)
        forget_signup_policy()
        # A worker reading between the save and the commit would cache the old row again.
        transaction.on_commit(forget_signup_policy, robust=True)

    def clean(self) -> None:
        if self.mode == SignupMode.APPROVAL and not self.question.strip():
            raise ValidationError(
                {"question": _("In approval mode, applicants answer a question: write it.")}
            )


def new_invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """A link a member hands out: whoever opens it may sign up while the site takes
    invitations only, until it expires, is used up or is revoked. Goes with its creator's
    account; the accounts made with it stay (their `invitation` is cleared)."""

    token = models.CharField(max_length=64, unique=True, default=new_invitation_token,
                             editable=False)  # fmt: skip
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="invitations")  # fmt: skip
    created = models.DateTimeField(default=timezone.now, editable=False)
    expires = models.DateTimeField()
    max_uses = models.PositiveIntegerField(default=1)
    uses = models.PositiveIntegerField(default=0, editable=False)
    revoked = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(uses__lte=F("max_uses")), name="accounts_invitation_uses_limit"
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} by {self.created_by_id}"

    @property
    def uses_left(self) -> int:
        return max(self.max_uses - self.uses, 0)

    @property
    def is_expired(self) -> bool:
        return self.expires <= timezone.now()

    @property
    def is_usable(self) -> bool:
        """Whether someone may sign up with it now. A suspended member's links stop working
        with the suspension (load `created_by` with it)."""
        return (
            self.revoked is None
            and self.uses < self.max_uses
            and not self.is_expired
            and self.created_by.is_active
        )


class Application(models.Model):
    """A new account waiting for moderators while signup asks for approval: the applicant's
    answer to the operator's question and, once decided, who decided, when and why. The
    account is inactive until approved."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="application")  # fmt: skip
    question = models.TextField(max_length=500, blank=True)  # as it was asked
    answer = models.TextField(max_length=2000)
    created = models.DateTimeField(default=timezone.now, editable=False)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")  # fmt: skip
    decided = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(max_length=1000, blank=True)  # shown to the applicant

    class Meta:
        ordering = ["created", "id"]
        indexes = [
            models.Index(
                fields=["created"],
                condition=Q(status="pending"),
                name="accounts_application_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Application of {self.user_id}"


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
