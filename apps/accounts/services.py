"""Writes to the identity: a member's sessions, whether the account is active, its language;
signing up under the registration mode, invitations and applications; and the list of
disposable-mail domains signup refuses.

Creating, exporting and deleting a member as a whole is apps.membership's work; suspending one
is apps.moderation's. Both call these.
"""

from collections.abc import Callable, Iterable
from datetime import timedelta
from importlib import import_module

from allauth.usersessions.adapter import get_adapter as get_usersessions_adapter
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import selectors
from .blocklists import clean_domain
from .models import Application, DisposableDomain, Invitation, SignupMode, SignupPolicy


def end_sessions(*, user: AbstractBaseUser) -> int:
    """Log the member out everywhere: every session they have, on every device."""
    store: type[SessionBase] = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


def end_session(*, user: AbstractBaseUser, session_id: int) -> UserSession | None:
    """End one of the member's own sessions (its device is signed out); None if `session_id`
    is not one of theirs. Ending the session of the request itself is the caller's logout."""
    session = UserSession.objects.filter(user=user, pk=session_id).first()
    if session is not None:
        get_usersessions_adapter().end_sessions([session])
    return session


def deactivate(*, user: AbstractBaseUser) -> None:
    """Refuse the member's logins and end their sessions; every page shows active members
    only, so what they wrote is hidden too. Nothing of theirs is deleted (see reactivate)."""
    with transaction.atomic():
        get_user_model().objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        end_sessions(user=user)


def reactivate(*, user: AbstractBaseUser) -> None:
    """Undo deactivate: the member can log in again and everything of theirs shows again."""
    get_user_model().objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True


def set_language(*, user: AbstractBaseUser, language: str) -> None:
    """Remember the member's interface language; it follows them to every device and is the
    language of the mail sent to them."""
    get_user_model().objects.filter(pk=user.pk).update(language=language)
    user.language = language


def forget_member(*, user: AbstractBaseUser) -> None:
    """Delete the account itself, last: its addresses, linked providers, two-factor keys and
    whatever else is still the member's go with the user row. Their invitations go too; the
    accounts made with them stay."""
    end_sessions(user=user)
    Invitation.objects.filter(created_by=user).delete()
    user.delete()


# --- Signing up under the registration mode --------------------------------------------------


class InvitationUnusable(Exception):
    """The invitation was used up, revoked or expired (or its maker suspended) while the
    visitor filled in the form."""


def take_invitation_use(*, invitation: Invitation) -> bool:
    """Count one use of `invitation` if it still has one; False if not. One conditional
    UPDATE, so of two signups racing for the last use exactly one gets it."""
    taken = Invitation.objects.filter(
        pk=invitation.pk, revoked__isnull=True, expires__gt=timezone.now(),
        uses__lt=F("max_uses"),
    ).update(uses=F("uses") + 1)  # fmt: skip
    if taken:
        invitation.uses += 1
    return bool(taken)


def admit(
    *,
    user: AbstractBaseUser,
    save: Callable[[], object],
    policy: SignupPolicy,
    invitation: Invitation | None = None,
    answer: str = "",
) -> AbstractBaseUser:
    """Create the account `user` under the signup mode, in one transaction: `save` stores it
    the way its path does (allauth's form, a provider's signup). Invitation only: the link's
    use is counted first (InvitationUnusable if none is left, and nothing is created).
    Approval: the account is created inactive, with the applicant's answer waiting for
    moderators. Refuse a closed signup outright (PermissionDenied)."""
    mode = policy.mode
    if mode == SignupMode.CLOSED:
        raise PermissionDenied("Signup is closed.")
    with transaction.atomic():
        if mode == SignupMode.INVITATION:
            # is_usable also asks whether the inviter is still active (not suspended).
            if invitation is None or not invitation.is_usable:
                raise InvitationUnusable
            if not take_invitation_use(invitation=invitation):
                raise InvitationUnusable
            user.invitation = invitation
        if mode == SignupMode.APPROVAL:
            user.is_active = False
        save()
        if mode == SignupMode.APPROVAL:
            Application.objects.create(user=user, question=policy.question,
                                       answer=answer.strip())  # fmt: skip
    return user


def approve_application(*, application: Application, moderator: AbstractBaseUser,
                        reason: str = "") -> bool:  # fmt: skip
    """Accept a waiting application: the account becomes active. False if it was decided
    already (by another moderator, a moment ago)."""
    return _decide(application, moderator, Application.Status.APPROVED, reason, active=True)


def refuse_application(*, application: Application, moderator: AbstractBaseUser,
                       reason: str = "") -> bool:  # fmt: skip
    """Turn a waiting application down, with the reason the applicant reads; the account
    stays inactive. False if it was decided already."""
    return _decide(application, moderator, Application.Status.REFUSED, reason, active=False)


def _decide(application: Application, moderator: AbstractBaseUser, status: str, reason: str,
            *, active: bool) -> bool:  # fmt: skip
    now = timezone.now()
    with transaction.atomic():
        decided = Application.objects.filter(
            pk=application.pk, status=Application.Status.PENDING
        ).update(status=status, decided_by=moderator, decided=now, reason=reason.strip())
        if not decided:
            return False
        if active:
            # A member joins when accepted: their first day (NEW_MEMBER_HOURS) starts now.
            get_user_model().objects.filter(pk=application.user_id).update(date_joined=now)
            application.user.date_joined = now
            reactivate(user=application.user)
    application.status, application.decided_by, application.decided = status, moderator, now
    application.reason = reason.strip()
    return True


class TooManyInvitations(Exception):
    """The member holds as many usable links as they may."""


def create_invitation(
    *, user: AbstractBaseUser, days: int, max_uses: int, most: int | None = None
) -> Invitation:
    """A new invitation link of `user`'s, valid `days` days for `max_uses` signups. With
    `most`, raise TooManyInvitations when the member already holds that many usable links;
    the member's row is locked while counting, so two requests at once cannot both pass."""
    with transaction.atomic():
        if most is not None:
            get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
            if selectors.active_invitation_count(user) >= most:
                raise TooManyInvitations
        return Invitation.objects.create(
            created_by=user, expires=timezone.now() + timedelta(days=days), max_uses=max_uses
        )


def revoke_invitation(*, invitation: Invitation) -> bool:
    """Stop the link working; the accounts made with it stay. Return whether this call
    revoked it (False: it was revoked already)."""
    if invitation.revoked is not None:
        return False
    now = timezone.now()
    if not Invitation.objects.filter(pk=invitation.pk, revoked__isnull=True).update(revoked=now):
        return False
    invitation.revoked = now
    return True


def replace_disposable_domains(*, lines: Iterable[str]) -> int:
    """Make `lines` (one domain a line, "#" comments) the list of disposable-mail domains, in
    place of the one shipped with the release; how many domains it holds. Lines that are not
    domains are skipped. An empty list is refused: it would mean "the shipped list" again."""
    domains = set()
    for line in lines:
        line = line.partition("#")[0].strip()
        if not line:
            continue
        try:
            domains.add(clean_domain(line))
        except ValidationError:
            continue
    if not domains:
        raise ValueError("The list holds no domain.")
    with transaction.atomic():
        DisposableDomain.objects.all().delete()
        DisposableDomain.objects.bulk_create(
            [DisposableDomain(domain=domain) for domain in sorted(domains)], batch_size=1000
        )
    return len(domains)


def use_shipped_disposable_domains() -> None:
    """Forget the list an operator loaded: signup goes back to the one shipped with the release."""
    DisposableDomain.objects.all().delete()
