"""Reauthentication inside a form: asking for the password (and the second factor) again
before a sensitive change."""

from allauth.core import ratelimit
from allauth.mfa.base.forms import ReauthenticateForm
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
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


def has_code_factor(user: AbstractBaseUser) -> bool:
    """Whether the member has a second factor that gives codes (an authenticator app, or
    recovery codes), so a form can ask for one."""
    return is_mfa_enabled(user, [Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES])


def confirm_code(*, user: AbstractBaseUser, code: str) -> None:
    """Raise ValidationError unless `code` is a current authenticator-app code or an unused
    recovery code of the member's (which it then uses up), checked as allauth checks them when
    it asks again: its guess limit, a code not accepted twice, the failure signalled."""
    form = ReauthenticateForm(user=user, data={"code": code})
    if not form.is_valid():
        raise ValidationError(form.errors["code"])
