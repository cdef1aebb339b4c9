"""One form per profile section (sections.SECTIONS says which fields each one saves).

Each section form carries `token`, a fingerprint of the section's values when the form was
opened; the save compares it with the values in the database to detect edits made elsewhere.
"""

from allauth.account.adapter import get_adapter
from allauth.account.forms import AddEmailForm
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.accounts import blocklists, usernames
from apps.accounts.forms import check_address_may_be_added
from apps.accounts.reauth import confirm_password
from apps.core.uploads.forms import ImageUploadField

from .audiences import MEANINGS, ROUGH_HELP
from .models import BIO_MAX_LENGTH, Audience

User = get_user_model()
NAME_MAX_LENGTH = User._meta.get_field("first_name").max_length


class DescribedRadioSelect(forms.RadioSelect):
    """Radio buttons each followed by one line saying what the choice means (`descriptions`,
    by value), which the button names as its description for screen readers."""

    def __init__(self, *args: object, descriptions: dict, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.descriptions = descriptions

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["description"] = self.descriptions.get(value, "")
        option["attrs"]["class"] = "form-check-input"
        option["attrs"]["aria-describedby"] = f"{option['attrs']['id']}_means"
        return option


class SectionForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, required=False)


class DetailsForm(SectionForm):
    first_name = forms.CharField(
        label=_("First name"), max_length=NAME_MAX_LENGTH, required=False, strip=True
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=NAME_MAX_LENGTH, required=False, strip=True
    )
    bio = forms.CharField(
        label=_("About you"),
        max_length=BIO_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on your public profile. Plain text; line breaks are kept."),
    )
    presence_audience = forms.ChoiceField(
        label=_("Who sees when you are online"),
        choices=Audience.choices,
        widget=DescribedRadioSelect(descriptions=MEANINGS),
        help_text=ROUGH_HELP,
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "bio"):
            widget = self.fields[name].widget
            widget.attrs["maxlength"] = self.fields[name].max_length
            widget.attrs["data-counter"] = ""
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"


class UsernameForm(SectionForm):
    username = forms.CharField(
        label=_("Username"),
        min_length=usernames.MIN_LENGTH,
        max_length=usernames.MAX_LENGTH,
        help_text=_(
            "Your profile lives at /u/ followed by it. 3 to 30 characters: English letters, "
            "digits and underscores (_)."
        ),
    )

    def __init__(self, *args: object, user, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["username"].widget.attrs["autocomplete"] = "username"

    def clean_username(self) -> str:
        # The site's allauth adapter normalises (NFKC) and applies the signup rules: the
        # alphabet, reserved names and uniqueness whatever the case.
        adapter = get_adapter()
        username = usernames.normalize(self.cleaned_data["username"])
        if username == self.user.username:
            return username
        if username.lower() == self.user.username.lower():
            return adapter.clean_username(username, shallow=True)  # only the case changes
        return adapter.clean_username(username)


class PhotoForm(SectionForm):
    photo = ImageUploadField(label=_("New photo"), required=False)
    remove = forms.BooleanField(label=_("Remove my photo"), required=False)

    def clean(self) -> dict:
        cleaned = super().clean()
        chosen = cleaned.get("photo") or cleaned.get("remove")
        if not chosen and not self.errors:
            raise ValidationError(_("Choose a picture to upload."), code="required")
        return cleaned


class EmailForm(AddEmailForm):
    """allauth's email change, with the current password asked inline (reauthentication)."""

    token = forms.CharField(widget=forms.HiddenInput, required=False)
    password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("For your security, confirm it is you."),
    )

    field_order = ["email", "password", "token"]

    def __init__(self, *args: object, request=None, **kwargs: object) -> None:
        self.request = request
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("New email address")
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "placeholder": ""})
        if not self.user.has_usable_password():
            # Accounts made by social login have no password to confirm.
            del self.fields["password"]

    def clean_email(self) -> str:
        email = super().clean_email()
        blocklists.check_new_address(email)  # a new address, as at signup
        check_address_may_be_added(self.user)
        return email

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        confirm_password(request=self.request, user=self.user, password=password,
                         wrong=_("That is not your current password."))  # fmt: skip
        return password
