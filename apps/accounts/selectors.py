"""Reads about members that other apps share: the member a name in a URL (/u/<username>/...)
stands for, looked up one way everywhere; whether a member must switch on two-factor
before using staff or moderation tools; the address mail may go to."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404

from . import usernames
from .lifecycle import MemberData


def get_active_member(username: str, queryset: QuerySet | None = None):
    """Return the active user named `username`, matched like signup: whatever the case and
    Unicode form (fullwidth /u/alice/ is alice's page), on the Lower(username) index."""
    username = usernames.normalize(username)
    if not usernames.ANY_NAME.fullmatch(username):
        raise Http404  # not a name anyone can have; no query
    if queryset is None:
        queryset = get_user_model().objects.all()
    users = queryset.filter(is_active=True).annotate(handle=Lower("username"))
    return get_object_or_404(users, handle=username.lower())


def needs_two_factor(user: AbstractBaseUser) -> bool:
    """Whether `user` must switch two-factor on before using staff or moderation tools: the
    one check the admin and every moderation page make, where STAFF_REQUIRE_TWO_FACTOR is
    on. It applies to staff and to everyone with a moderation permission, acting or reading
    the audit log (superusers have every permission)."""
    if not (settings.STAFF_REQUIRE_TWO_FACTOR and user.is_authenticated):
        return False
    powers = ("moderation.moderate", "moderation.view_auditentry")
    if not (user.is_staff or any(user.has_perm(power) for power in powers)):
        return False
    # Recovery codes alone are not a second factor (allauth's login does not ask for them).
    return not is_mfa_enabled(user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN])


def verified_email(user: AbstractBaseUser) -> str | None:
    """The member's address if they proved it is theirs, else None: mail about their account
    goes there only."""
    if not user.email:
        return None
    proved = EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True)
    return user.email if proved.exists() else None


def member_export(*, user: AbstractBaseUser) -> MemberData:
    """The account, its addresses, linked providers and sessions, for the member's export."""
    sessions = UserSession.objects.filter(user=user)
    return MemberData({
        "account": {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "language": user.language,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "email_addresses": list(
            EmailAddress.objects.filter(user=user).values("email", "verified", "primary")
        ),
        "social_accounts": list(SocialAccount.objects.filter(user=user).values("provider", "uid")),
        "sessions": [
            {"ip": s.ip, "user_agent": s.user_agent, "created": s.created_at,
             "last_seen": s.last_seen_at}
            for s in sessions
        ],
    })  # fmt: skip
