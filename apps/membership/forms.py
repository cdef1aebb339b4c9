from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.accounts.reauth import confirm_code, confirm_password, has_code_factor


class DeleteAccountForm(forms.Form):
    """Deleting an account asks for the password again (reauthentication), and for a code of
    the second factor when the member has one."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=_("Two-factor code"),
        help_text=_("From your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that this deletes my account and everything in it, for good.")
    )

    def __init__(self, *args: object, user, request, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.request = user, request
        if not user.has_usable_password():
            del self.fields["password"]  # social-only accounts: the checkbox is the confirmation
        if not has_code_factor(user):
            del self.fields["code"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        confirm_password(request=self.request, user=self.user, password=password,
                         wrong=_("That is not your password."))  # fmt: skip
        return password

    def clean(self) -> dict:
        cleaned = super().clean()
        # The code last, once all else holds: a recovery code (or this window's app code) is
        # spent only by a deletion that goes ahead, not by a wrong password or a missing tick.
        if "code" in self.fields and not self.errors:
            try:
                confirm_code(user=self.user, code=cleaned["code"])
            except ValidationError as error:
                self.add_error("code", error)
        return cleaned
