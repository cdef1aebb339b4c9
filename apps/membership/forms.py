from django import forms
from django.utils.translation import gettext_lazy as _

from apps.accounts.reauth import confirm_password


class DeleteAccountForm(forms.Form):
    """Deleting an account asks for the password again (reauthentication)."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that this deletes my account and everything in it, for good.")
    )

    def __init__(self, *args: object, user, request, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.user, self.request = user, request
        if not user.has_usable_password():
            del self.fields["password"]  # social-only accounts: the checkbox is the confirmation

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        confirm_password(request=self.request, user=self.user, password=password,
                         wrong=_("That is not your password."))  # fmt: skip
        return password
