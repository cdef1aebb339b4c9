from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.socialaccount.forms import SignupForm as AllauthSocialSignupForm
from django import forms
from django.contrib.auth.hashers import make_password
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from . import blocklists, usernames


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


class SignupForm(AllauthSignupForm):
    """allauth's signup form, asking also for the name people will see (optional, any
    alphabet: the handle is the ASCII username)."""

    name = forms.CharField(
        label=_("Your name"),
        required=False,
        max_length=NAME_MAX_LENGTH,
        help_text=_("Shown on your profile and your posts, in any alphabet. Optional."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ["name", "email", "username", "password1", "password2"]

    def clean_email(self) -> str:
        email = super().clean_email()
        blocklists.check_new_address(email)
        return email

    def clean(self) -> dict:
        cleaned_data = super().clean()
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


class SocialSignupForm(AllauthSocialSignupForm):
    """The form a provider's signup falls back to (a handle or an address to fix): the same
    blocklist as the site's own signup."""

    def clean_email(self) -> str:
        email = super().clean_email()
        blocklists.check_new_address(email)
        return email


class AddEmailForm(AllauthAddEmailForm):
    """A new address for an account passes the same blocklist as one given at signup."""

    def clean_email(self) -> str:
        email = super().clean_email()
        blocklists.check_new_address(email)
        return email
