"""Reauthentication inside a form: asking for the password again before a sensitive change."""

from allauth.core import ratelimit
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


def confirm_password(*, request: HttpRequest, user: AbstractBaseUser, password: str,
                     wrong: str) -> None:  # fmt: skip
    """Raise ValidationError(wrong) unless `password` is the user's. Guesses count against
    allauth's `reauthenticate` limit in the shared cache, so no form can be used to guess."""
    if not ratelimit.consume(request, action="reauthenticate", user=user):
        raise ValidationError(_("Too many attempts. Wait a minute and try again."))
    if not user.check_password(password):
        raise ValidationError(wrong, code="wrong_password")
