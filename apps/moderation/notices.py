"""What a member is told when moderators decide about them: a notification on the site and an
email to their verified address, in their language, both with the reason; for a removal or a
suspension, a link to appeal that works without signing in (a suspended member cannot).

The wording is one table per occasion, keyed by what the decision was about, so the
notification, the email and the appeal page say the same thing."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts import selectors as accounts
from apps.accounts.models import Application
from apps.social import services as social
from apps.social.models import Kind

from .models import Action, Appeal, AuditEntry

# An appeal link in an email works this long; the site makes a fresh one every time it shows
# one (a notification; the mail a suspended member gets when a login refuses them).
APPEAL_LINK_MAX_AGE = timedelta(days=14)
_SALT = "moderation.appeal"

TOLD = {
    "post": _("Moderators removed your post “%(title)s”. Only you can still see it."),
    "comment": _("Moderators removed your comment on “%(title)s”."),
    "profile": _("Moderators cleared the name, bio and photo of your profile."),
    "message": _("Moderators deleted a message you sent in a conversation, for everyone in it."),
    "account": _(
        "Moderators suspended your account: you cannot log in, and your posts, comments, "
        "messages and profile are hidden."
    ),
    "gone": _("Moderators removed something you published."),
}
UPHELD = {
    "post": _("Moderators looked at your appeal and keep your post “%(title)s” removed."),
    "comment": _("Moderators looked at your appeal and keep your comment on “%(title)s” removed."),
    "profile": _("Moderators looked at your appeal and stand by clearing your profile."),
    "message": _("Moderators looked at your appeal and stand by deleting your message."),
    "account": _("Moderators looked at your appeal and keep your account suspended."),
    "gone": _("Moderators looked at your appeal and stand by their decision."),
}
REVERSED = {
    "post": _("Moderators accepted your appeal: your post “%(title)s” is back."),
    "comment": _("Moderators accepted your appeal: your comment on “%(title)s” is back."),
    "profile": _(
        "Moderators accepted your appeal: your profile should not have been cleared. You can "
        "fill it in again."
    ),
    "message": _(
        "Moderators accepted your appeal: your message should not have been deleted, though "
        "a deleted message cannot be brought back."
    ),
    "account": _("Moderators accepted your appeal: your account is active again."),
    "gone": _("Moderators accepted your appeal."),
}
WHY = _("Why: %(reason)s")
REFUSED = _(
    "Someone just tried to log in to your account, with its password or another proof that it "
    "is yours, and was refused."
)


def about(entry: AuditEntry) -> tuple[str, str]:
    """What the decision was about, as the tables above key it, and the title they quote.
    The entry's post (or comment, with its post) is loaded with it."""
    if entry.action in (Action.SUSPEND, Action.REINSTATE):
        return "account", ""
    if entry.comment_id:
        return "comment", entry.comment.post.title
    if entry.post_id:
        return "post", entry.post.title
    if entry.target == "profile":
        return "profile", ""
    if entry.target.startswith("message "):
        return "message", ""  # whether or not the message row is there still
    return "gone", ""  # deleted since by its author


def _say(table: dict, entry: AuditEntry) -> str:
    what, title = about(entry)
    return gettext(table[what]) % {"title": title}


def decision_text(entry: AuditEntry) -> str:
    return _say(TOLD, entry)


def outcome_text(appeal: Appeal) -> str:
    table = REVERSED if appeal.outcome == Appeal.Outcome.REVERSED else UPHELD
    return _say(table, appeal.entry)


def why(reason: str) -> str:
    return gettext(WHY) % {"reason": reason}


# --- The link to appeal ----------------------------------------------------------------------


def appeal_token(entry: AuditEntry) -> str:
    """A signed, dated token naming the member and the decision: whoever holds it may read the
    decision and appeal it, so it goes only to the member (their notification, their verified
    address)."""
    return signing.dumps({"member": entry.subject_id, "entry": entry.pk}, salt=_SALT)


def read_appeal_token(token: str) -> tuple[int, int]:
    """The member's and the decision's ids; raise signing.SignatureExpired for an old link,
    signing.BadSignature for anything else not made by appeal_token."""
    data = signing.loads(token, salt=_SALT, max_age=APPEAL_LINK_MAX_AGE)
    return int(data["member"]), int(data["entry"])


def appeal_url(entry: AuditEntry) -> str:
    return reverse("moderation:appeal", args=[appeal_token(entry)])


# --- Telling ---------------------------------------------------------------------------------


def tell_decision(*, entry: AuditEntry, member: AbstractBaseUser) -> None:
    """Tell `member` of a removal or a suspension (`entry` records it), with the reason and
    the link to appeal. Called in the decision's transaction: the email is queued once it
    commits."""
    suspended = entry.action == Action.SUSPEND
    social.tell(recipient=member, kind=Kind.SUSPENDED if suspended else Kind.REMOVED,
                target=entry)  # fmt: skip
    _mail(
        member,
        subject=_("Account suspended") if suspended else _("Moderators removed something of yours"),
        text=lambda: decision_text(entry),
        reason=entry.reason,
        appeal_url=settings.SITE_URL + appeal_url(entry),
        suspended=suspended,
    )


def tell_refused_login(*, entry: AuditEntry, member: AbstractBaseUser) -> None:
    """Mail the suspended `member`, whom a login just refused, what the browser was not told:
    that they are suspended, why (`entry` records it), and a fresh link to appeal (or to see
    their appeal)."""
    _mail(
        member,
        subject=_("Login refused: your account is suspended"),
        text=lambda: f"{gettext(REFUSED)} {decision_text(entry)}",
        reason=entry.reason,
        appeal_url=settings.SITE_URL + appeal_url(entry),
        appealed=hasattr(entry, "appeal"),
        suspended=True,
    )


def tell_outcome(*, appeal: Appeal) -> None:
    """Tell the member how their appeal was decided, and why."""
    social.tell(recipient=appeal.member, kind=Kind.APPEAL, target=appeal)
    back = appeal.outcome == Appeal.Outcome.REVERSED and appeal.entry.action == Action.SUSPEND
    _mail(
        appeal.member,
        subject=_("Moderators answered your appeal"),
        text=lambda: outcome_text(appeal),
        reason=appeal.decision.reason,
        url=settings.SITE_URL + (reverse("account_login") if back else appeal_url(appeal.entry)),
    )


ACCEPTED = _(
    "Moderators accepted your application to join %(site_name)s. Welcome! You can sign in now."
)
NOT_ACCEPTED = _("Moderators did not accept your application to join %(site_name)s.")
WAITING = _(
    "Someone just tried to log in to your account. Your application to join %(site_name)s "
    "still waits for moderators: you can log in once they accept it, and we will email you "
    "when they decide."
)


def tell_application(*, application: Application) -> None:
    """Mail the applicant how moderators decided, with the reason if they gave one; only to
    an address the applicant confirmed (an application made with someone else's address
    sends that person nothing)."""
    accepted = application.status == Application.Status.APPROVED
    _mail(
        application.user,
        subject=_("Your application was accepted") if accepted else _("Your application"),
        text=lambda: (
            gettext(ACCEPTED if accepted else NOT_ACCEPTED) % {"site_name": settings.SITE_NAME}
        ),
        reason=application.reason,
        sign_in_url=settings.SITE_URL + reverse("account_login") if accepted else "",
    )


def tell_waiting(*, application: Application) -> None:
    """Mail the applicant, whom a login refused, that their application still waits."""
    _mail(
        application.user,
        subject=_("Your application is still waiting"),
        text=lambda: gettext(WAITING) % {"site_name": settings.SITE_NAME},
        reason="",
    )


def _mail(member: AbstractBaseUser, *, subject: str, text, reason: str, **context) -> None:
    """Queue the email once the transaction commits, in the member's language, to their
    verified address only. The worker sends it and retries while the mail server is away; a
    failure to queue it is logged, and the decision stands."""
    address = accounts.verified_email(member)
    if address is None:
        return

    def send() -> None:
        with translation.override(member.language or settings.LANGUAGE_CODE):
            values = {
                **context,
                "user": member,
                "text": text(),
                "why": why(reason) if reason else "",
                "site_name": settings.SITE_NAME,
                "days": APPEAL_LINK_MAX_AGE.days,
            }
            body = render_to_string("moderation/email/notice_message.txt", values)
            title = f"[{settings.SITE_NAME}] {subject}"
        send_mail(title, body, None, [address])

    transaction.on_commit(send, robust=True)
