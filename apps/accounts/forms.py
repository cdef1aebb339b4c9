from allauth.account import app_settings as account_settings
from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SetPasswordForm as AllauthSetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from allauth.mfa.utils import is_mfa_enabled
from allauth.mfa.webauthn.forms import AddWebAuthnForm as AllauthAddWebAuthnForm
from allauth.socialaccount.forms import SignupForm as AllauthSocialSignupForm
from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import (
    MinimumLengthValidator,
    get_default_password_validators,
)
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.core.web.forms import HONEYPOT_REFUSED, HoneypotField, ProofOfWorkField

from . import blocklists, selectors, usernames
from .models import SignupMode


class NewAddressChecked:
    """For allauth's forms that take a new address (signup, a provider's signup, adding an
    address): the address passes the signup blocklists (accounts.blocklists)."""

    def clean_email(self) -> str:
        email = super().clean_email()
        blocklists.check_new_address(email)
        return email


def password_rules() -> str:
    """What a new password must be, in one sentence: said once, as the help text of the new
    password field of every form that sets one; the errors then say only what failed. The
    length comes from AUTH_PASSWORD_VALIDATORS, the rest states its other three validators."""
    length = next(
        (v.min_length for v in get_default_password_validators()
         if isinstance(v, MinimumLengthValidator)),
        1,
    )  # fmt: skip
    return ngettext(
        "At least %(count)d character; not only digits, not a common password, and not "
        "close to your name, username or email.",
        "At least %(count)d characters; not only digits, not a common password, and not "
        "close to your name, username or email.",
        length,
    ) % {"count": length}


class PasswordRulesShown:
    """For allauth's forms that set a password: the rules under the new password, once."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if "password1" in self.fields:
            self.fields["password1"].help_text = password_rules()


class ChangePasswordForm(PasswordRulesShown, AllauthChangePasswordForm):
    pass


class SetPasswordForm(PasswordRulesShown, AllauthSetPasswordForm):
    pass


class ResetPasswordKeyForm(PasswordRulesShown, AllauthResetPasswordKeyForm):
    pass


class LoginForm(AllauthLoginForm):
    """allauth's login form with a label that says what to type."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Username or email")
        self.fields["login"].widget.attrs["autocomplete"] = "username"
        # Nothing longer can be a username or an email; refuse it before any lookup or hash.
        self.fields["login"].max_length = 254
        self.fields["login"].validators.append(MaxLengthValidator(254))
        self.fields["password"].validators.append(MaxLengthValidator(4096))

    def clean_login(self) -> str:
        # NFKC, like every username: the fullwidth forms of "alice" sign in as alice.
        return usernames.normalize(super().clean_login())


NAME_MAX_LENGTH = 150  # first_name's length: a longer name would not fit


ANSWER_MAX_LENGTH = 2000


def ask_the_question(form: forms.Form) -> None:
    """In approval mode, the operator's question as a required field of the signup form."""
    policy = selectors.signup_policy()
    if policy.mode != SignupMode.APPROVAL:
        return
    form.fields["answer"] = forms.CharField(
        label=policy.question or _("Why do you want to join?"),
        max_length=ANSWER_MAX_LENGTH,
        help_text=_("Moderators read your answer before they accept your account."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SignupForm(PasswordRulesShown, NewAddressChecked, AllauthSignupForm):
    """allauth's signup form, asking also for the name people will see (optional, any
    alphabet: the handle is the ASCII username), with a proof-of-work check and a honeypot
    against signups in bulk. Only this form has them: a signup through a social provider is
    vetted by the provider."""

    name = forms.CharField(
        label=_("Your name"),
        required=False,
        max_length=NAME_MAX_LENGTH,
        help_text=_("Shown on your profile and your posts, in any alphabet. Optional."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    website = HoneypotField()
    altcha = ProofOfWorkField()
    field_order = ["name", "email", "username", "password1", "password2", "website", "altcha"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        ask_the_question(self)

    def clean(self) -> dict:
        cleaned_data = super().clean()
        if cleaned_data.get("website"):
            self.add_error(None, HONEYPOT_REFUSED)
        # allauth's save_user stores first_name and last_name from the cleaned data.
        first, _space, last = (cleaned_data.get("name") or "").strip().partition(" ")
        cleaned_data["first_name"], cleaned_data["last_name"] = first, last.strip()[:150]
        # For an address that already has an account, allauth creates nothing and mails its
        # owner instead, so no password was hashed: hash it anyway, so the response takes as
        # long as a real signup and does not tell whether the address is known.
        # Only when the form is otherwise valid: a new account is hashed at save, and a form
        # with errors hashes nothing in either case.
        exists = getattr(self, "account_already_exists", False)
        if exists and not self._errors and cleaned_data.get("password1"):
            make_password(cleaned_data["password1"])
        return cleaned_data


class SocialSignupForm(NewAddressChecked, AllauthSocialSignupForm):
    """allauth's form for a provider's signup (shown when a handle or an address needs fixing,
    and in approval mode, with the applicants' question): the same blocklist as the site's
    own signup."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        ask_the_question(self)


class InvitationForm(forms.Form):
    """A new invitation link: how many days it works and how many people may sign up with
    it, within the limits for the member (`max_uses`)."""

    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, initial=7)
    uses = forms.IntegerField(label=_("Number of signups"), min_value=1, initial=1)

    def __init__(self, *args: object, max_uses: int, max_days: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].max_value = max_days
        self.fields["days"].validators.append(MaxValueValidator(max_days))
        self.fields["days"].widget.attrs["max"] = max_days
        self.fields["uses"].max_value = max_uses
        self.fields["uses"].validators.append(MaxValueValidator(max_uses))
        self.fields["uses"].widget.attrs["max"] = max_uses


class AddEmailForm(NewAddressChecked, AllauthAddEmailForm):
    """A new address for an account passes the same blocklist as one given at signup, and is
    refused for an account with two-factor (check_address_may_be_added)."""

    def clean_email(self) -> str:
        email = super().clean_email()
        check_address_may_be_added(self.user)
        return email


# --- Two-factor ------------------------------------------------------------------------------
# MFA_ALLOW_UNVERIFIED_EMAIL is on, so allauth's own rule (no unverified address at all, which
# a pending email change always is) is off; these forms apply the two rules it stood for.


def check_address_may_be_added(user: AbstractBaseUser) -> None:
    """Refuse a new address for an account with two-factor while confirming an address by
    link signs in (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION): the link would skip the second
    factor. allauth's rule, kept."""
    if not account_settings.EMAIL_VERIFICATION_BY_CODE_ENABLED and is_mfa_enabled(user):
        raise get_mfa_adapter().validation_error("add_email_blocked")


def two_factor_refusal(user: AbstractBaseUser) -> str | None:
    """Why the member cannot switch two-factor on, or None if they can: their primary address
    must be proved theirs, or whoever signed up with someone else's address could lock its
    owner out. An address change waiting for its confirmation does not matter."""
    if selectors.verified_email(user) is None:
        return str(
            _(
                "Confirm your email address first: open the link we mailed to it (you can "
                "send it again from the Email page). Then come back to switch two-factor on."
            )
        )
    return None


class ActivateTOTPForm(AllauthActivateTOTPForm):
    """allauth's authenticator-app activation, allowed while an email change is pending."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.refusal = two_factor_refusal(self.user)

    def clean_code(self) -> str:
        if self.refusal:
            raise ValidationError(self.refusal, code="unverified_email")
        return super().clean_code()


class AddWebAuthnForm(AllauthAddWebAuthnForm):
    """allauth's passkey form, under the same rule as the authenticator app."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.refusal = two_factor_refusal(self.user)

    def clean(self) -> dict:
        if self.refusal:
            raise ValidationError(self.refusal, code="unverified_email")
        return super().clean()


class TwoFactorCodeForm(AllauthAuthenticateForm):
    """The code asked at login: focused when the page opens, saying that a recovery code is
    typed here too, and whether the member has a security key or passkey to use instead."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.widget.attrs["autofocus"] = True
        code.help_text = _("Lost your phone? One of your recovery codes works here too.")
        self.has_security_key = Authenticator.objects.filter(
            user=self.user, type=Authenticator.Type.WEBAUTHN
        ).exists()
