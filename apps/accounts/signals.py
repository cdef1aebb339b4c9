"""Reactions to the login signals (Django's and allauth's) that belong to the account, and the
one signal accounts sends for the apps above it."""

import logging

from allauth.account.authentication import get_authentication_records
from allauth.account.signals import user_logged_in as allauth_logged_in
from allauth.usersessions.models import UserSession
from django.contrib.auth.signals import user_logged_in
from django.dispatch import Signal, receiver

from apps.core.web.heartbeat import start_interval

from .middleware import LANGUAGE_SESSION_KEY, SESSION_KEY

# Someone proved they are `user` (the right password, a provider, a passkey, a code) but the
# account may not log in (is_active is False). The browser is told nothing more than after a
# wrong password; an app above that knows why (moderation: a suspension) tells the member by
# mail. Sent with `user` and `request` (which may be None).
login_refused = Signal()

logger = logging.getLogger(__name__)


def refuse_login(*, user, request) -> None:
    """Send login_refused. A receiver that fails is logged, never raised: an error page only
    after the right password would tell it apart from a wrong one."""
    for receiver_, error in login_refused.send_robust(sender=type(user), user=user,
                                                      request=request):  # fmt: skip
        if isinstance(error, Exception):
            logger.error("login_refused receiver %s failed", receiver_, exc_info=error)


def sign_in_methods(records: list[dict]) -> list[str]:
    """What a sign-in took, as short codes for the sessions list: "password", "totp",
    "recovery_codes", "passkey", "security_key", "social:<provider>", "code", "email"."""
    methods = []
    for record in records:
        method = record.get("method")
        if method == "mfa" and record.get("type") == "webauthn":
            methods.append("passkey" if record.get("passwordless") else "security_key")
        elif method == "mfa":
            methods.append(str(record.get("type")))
        elif method == "socialaccount":
            methods.append(f"social:{record.get('provider')}")
        elif method:
            methods.append(str(method))
    return list(dict.fromkeys(methods))


@receiver(user_logged_in, dispatch_uid="accounts_user_logged_in")
def session_recorded(sender, request, user, **kwargs) -> None:
    """allauth records the new session at login: the activity beat counts from here, and the
    member's saved language applies on the device they just logged in on."""
    if request is None or not hasattr(request, "session"):
        return
    start_interval(request.session, SESSION_KEY)
    if user.language:
        request.session[LANGUAGE_SESSION_KEY] = user.language


@receiver(allauth_logged_in, dispatch_uid="accounts_sign_in_methods")
def sign_in_recorded(sender, request, user, **kwargs) -> None:
    """The sessions list says how each session signed in. allauth sends its own login signal
    after Django's, once allauth.usersessions has made this session's row."""
    methods = sign_in_methods(get_authentication_records(request, user))
    if methods and request.session.session_key:
        sessions = UserSession.objects.filter(session_key=request.session.session_key)
        sessions.update(data={"signed_in_with": methods})
