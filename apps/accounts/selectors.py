"""Reads about members that other apps share: the member a name in a URL (/u/<username>/...)
stands for, looked up one way everywhere; whether a member must switch on two-factor
before using staff or moderation tools; the address mail may go to; who may sign up."""

import re
from datetime import datetime
from importlib import import_module
from typing import NamedTuple

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from . import usernames
from .lifecycle import MemberData
from .models import Application, Invitation, SignupMode, SignupPolicy


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


def live_sessions(*, user: AbstractBaseUser) -> list[UserSession]:
    """The member's sessions that still sign a browser in, oldest first: two queries however
    many there are (allauth's own list opens each session's store in turn). A session that
    expired, was logged out or outlived a password change is left out; allauth deletes its row
    at the member's next login."""
    sessions = list(UserSession.objects.filter(user=user).order_by("created_at", "pk"))
    store = import_module(settings.SESSION_ENGINE).SessionStore
    stored = store.get_model_class().objects.filter(
        session_key__in=[s.session_key for s in sessions], expire_date__gt=timezone.now()
    )
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    live = set()
    for key, data in stored.values_list("session_key", "session_data"):
        decoded = store().decode(data)
        if decoded.get(SESSION_KEY) == str(user.pk) and any(
            constant_time_compare(decoded.get(HASH_SESSION_KEY, ""), h) for h in hashes
        ):
            live.add(key)
    return [s for s in sessions if s.session_key in live]


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


# --- Who may sign up ------------------------------------------------------------------------

_POLICY_KEY = "accounts:signup-policy"
_POLICY_SECONDS = 60


def signup_policy() -> SignupPolicy:
    """The signup mode and the applicants' question, as the operator set them in the admin
    (else the REGISTRATION_MODE setting). Kept a minute in the shared cache, so every worker
    agrees; saving the policy forgets it there."""
    fields = cache.get(_POLICY_KEY)
    if fields is None:
        row = SignupPolicy.objects.filter(pk=1).values("mode", "question").first()
        fields = row or {"mode": settings.REGISTRATION_MODE, "question": ""}
        cache.set(_POLICY_KEY, fields, _POLICY_SECONDS)
    return SignupPolicy(pk=1, **fields)


def forget_signup_policy() -> None:
    cache.delete(_POLICY_KEY)


# The invitation link a visitor opened, kept in their session until they sign up.
INVITATION_SESSION_KEY = "accounts_invitation"
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link names, usable or not (the page says which); None for a token
    nobody made."""
    if not TOKEN.fullmatch(token):
        return None  # not a token we make (and nothing a query should be sent: NUL, …)
    return Invitation.objects.select_related("created_by").filter(token=token).first()


def session_invitation(session: SessionBase) -> Invitation | None:
    """The usable invitation this visitor opened, else None."""
    invitation = invitation_for_token(str(session.get(INVITATION_SESSION_KEY) or ""))
    return invitation if invitation is not None and invitation.is_usable else None


class SignupGate(NamedTuple):
    """Who may sign up in this browser now: the policy and the invitation opened here."""

    policy: SignupPolicy
    invitation: Invitation | None

    @property
    def mode(self) -> str:
        return self.policy.mode


def signup_gate(request: HttpRequest) -> SignupGate:
    """The signup mode and, in invitation mode, the usable link this visitor opened; read once
    per request (allauth asks several times)."""
    gate = getattr(request, "_signup_gate", None)
    if gate is None:
        policy = signup_policy()
        invitation = None
        if policy.mode == SignupMode.INVITATION and hasattr(request, "session"):
            invitation = session_invitation(request.session)
        gate = request._signup_gate = SignupGate(policy, invitation)
    return gate


def invitations_of(user: AbstractBaseUser) -> list[Invitation]:
    """The member's invitations, newest first."""
    return list(Invitation.objects.filter(created_by=user).select_related("created_by"))


def active_invitation_count(user: AbstractBaseUser) -> int:
    """How many of the member's links can still be used."""
    return (
        Invitation.objects.filter(created_by=user, revoked__isnull=True,
                                  expires__gt=timezone.now(), uses__lt=F("max_uses"))
        .count()
    )  # fmt: skip


def pending_application(user: AbstractBaseUser) -> Application | None:
    """The member's application while it waits for moderators, else None."""
    if not user.pk:
        return None
    return Application.objects.filter(user=user, status=Application.Status.PENDING).first()


def refused_applicants(*, decided_before: datetime) -> QuerySet:
    """The accounts moderators turned down before `decided_before` and that are still
    inactive: what the clean-up deletes."""
    return get_user_model().objects.filter(
        is_active=False,
        application__status=Application.Status.REFUSED,
        application__decided__lt=decided_before,
    )


APPLICATIONS_PAGE_SIZE = 25


def applications_page(*, number: object = 1) -> Page:
    """Applications waiting for a decision, oldest first, with whether each applicant proved
    their address; two queries whatever the page holds."""
    verified = EmailAddress.objects.filter(
        user=OuterRef("user"), email__iexact=OuterRef("user__email"), verified=True
    )
    waiting = (
        Application.objects.filter(status=Application.Status.PENDING)
        .select_related("user", "user__invitation__created_by")
        .annotate(email_verified=Exists(verified))
    )
    page = Paginator(waiting, APPLICATIONS_PAGE_SIZE).get_page(number)
    page.object_list = list(page.object_list)
    return page


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
        "invitations": list(
            Invitation.objects.filter(created_by=user).values(
                "created", "expires", "max_uses", "uses", "revoked"
            )
        ),
        "application": list(
            Application.objects.filter(user=user).values(
                "question", "answer", "created", "status", "decided", "reason"
            )
        ),
        "sessions": [
            {"ip": s.ip, "user_agent": s.user_agent, "created": s.created_at,
             "last_seen": s.last_seen_at}
            for s in sessions
        ],
    })  # fmt: skip
