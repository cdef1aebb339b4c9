"""What members and moderators do: report a thing, then dismiss the reports, remove the thing
or suspend its author, and lift a suspension; a superuser may also delete a thing for good.
Every moderator action checks the "moderate" permission and who may decide about whom here,
and adds its audit entry in the same transaction as its effects."""

import logging
from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts import selectors as identity
from apps.accounts import services as accounts
from apps.accounts.models import Application
from apps.conversations import services as conversations
from apps.core.uploads import images, moderated
from apps.feed import services as feed
from apps.presence import services as presence
from apps.profiles import services as profiles
from apps.push import services as push

from . import notices, selectors
from .models import Action, Appeal, AuditEntry, Reason, Report, Suspension
from .selectors import Thing

logger = logging.getLogger(__name__)

ALREADY_REPORTED = _("You have already reported this. Moderators will look at it.")
OWN_THING = _("You cannot report what you wrote yourself.")
FOR_AN_ADMINISTRATOR = _("Decisions about staff and moderators are made by an administrator.")


def report(*, reporter: AbstractBaseUser, thing: Thing, reason: str, note: str = "") -> Report:
    """File `reporter`'s report of `thing` (already checked to be visible to them). Raise
    ValidationError for their own thing or a second report of the same thing. A message is
    quoted in the report, its image copied where only moderators and its sender can open it:
    what its sender deletes later stays there for moderators to judge."""
    if thing.author.pk == reporter.pk:
        raise ValidationError(OWN_THING)
    if reason not in Reason.values:
        raise ValidationError(_("Choose a reason."))
    quote = _quote(thing)
    try:
        with transaction.atomic():
            return Report.objects.create(
                reporter=reporter, reason=reason, note=note.strip(), **thing.report_fields,
                **quote,
            )  # fmt: skip
    except IntegrityError as error:  # the unique constraint: reported before (or just now)
        _delete_quotes([quote.get("quoted_image", "")])
        raise ValidationError(ALREADY_REPORTED) from error
    except BaseException:
        _delete_quotes([quote.get("quoted_image", "")])
        raise


def _quote(thing: Thing) -> dict[str, str]:
    """What a report of a message keeps of it: its text and a copy of its image."""
    if thing.kind != "message":
        return {}
    message = thing.obj
    copied = ""
    if message.image:
        try:
            copied = moderated.copy(message.image.storage, message.image.name,
                                    owner_id=thing.author.pk, folder="reports")  # fmt: skip
        except Exception:  # the storage failed: the report still goes, with the text
            logger.exception("Could not copy the image of reported message %s", message.pk)
    return {"quoted_text": message.text, "quoted_image": copied,
            "quoted_image_alt": message.image_alt}  # fmt: skip


def _delete_quotes(names: list[str]) -> None:
    images.delete_quietly(Report._meta.get_field("quoted_image").storage, names)


def _is_moderator(user: AbstractBaseUser) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm("moderation.moderate")


def _has_powers(member: AbstractBaseUser) -> bool:
    """Staff, superusers and moderators, active or not: a suspended moderator is still one."""
    return member.is_staff or selectors.holds_moderate_permission(member)


def _require_moderator(user: AbstractBaseUser, author: AbstractBaseUser) -> None:
    """Who may decide about whom, for every action: moderators act on members and their
    things, never on their own; decisions about staff and moderators (what they wrote, their
    suspension and its lifting) belong to a superuser (who has every permission)."""
    if not _is_moderator(user):
        raise PermissionDenied(_("Only moderators can do this."))
    if author.pk == user.pk:
        raise ValidationError(_("Another moderator decides about your own things."))
    if not user.is_superuser and _has_powers(author):
        raise PermissionDenied(FOR_AN_ADMINISTRATOR)


def _close_reports(thing: Thing | None, member: AbstractBaseUser | None, action: Action) -> int:
    """Resolve the open reports about `thing` and, for a suspension, about the member's
    profile; return how many."""
    open_reports = Report.objects.filter(resolved__isnull=True)
    closed = 0
    if thing is not None:
        closed += open_reports.filter(**thing.report_fields).update(
            resolved=timezone.now(), resolution=action
        )
    if member is not None and (thing is None or thing.kind != "profile"):
        closed += open_reports.filter(member=member).update(
            resolved=timezone.now(), resolution=action
        )
    return closed


def _record(*, moderator, action: Action, subject, target: str, reason: str, closed: int,
            post=None, comment=None, message=None) -> AuditEntry:  # fmt: skip
    # Also a log line: the logs are a second record, kept outside the database.
    logger.info("Moderation: %s %s %s (%s), %d reports closed", moderator.username, action,
                subject.username, target, closed)  # fmt: skip
    return AuditEntry.objects.create(
        moderator=moderator,
        moderator_name=moderator.username,
        action=action,
        subject=subject,
        subject_name=subject.username,
        target=target[:200],
        reason=reason,
        reports_closed=closed,
        post=post,
        comment=comment,
        message=message,
    )


def dismiss(*, moderator: AbstractBaseUser, thing: Thing, reason: str) -> int:
    """Close the open reports about `thing`, changing nothing else; return how many."""
    _require_moderator(moderator, thing.author)
    with transaction.atomic():
        closed = _close_reports(thing, None, Action.DISMISS)
        if not closed:
            raise ValidationError(_("There are no open reports about this to dismiss."))
        _record(moderator=moderator, action=Action.DISMISS, subject=thing.author,
                target=thing.label, reason=reason, closed=closed)  # fmt: skip
    return closed


def remove(*, moderator: AbstractBaseUser, thing: Thing, reason: str) -> int:
    """Remove the post or comment (its author still sees that moderators removed it), delete
    the message for everyone (the reports keep their quote of it), or clear the profile's
    name, bio and photo; close the reports about it."""
    _require_moderator(moderator, thing.author)
    with transaction.atomic():
        if thing.kind == "post":
            done = feed.remove_post(post=thing.obj)
        elif thing.kind == "comment":
            done = feed.remove_comment(comment=thing.obj)
        elif thing.kind == "message":
            done = conversations.remove_message(message=thing.obj)
        else:
            done = profiles.clear_profile(user=thing.obj)
        if not done:
            raise ValidationError(_("This was removed already."))
        closed = _close_reports(thing, None, Action.REMOVE)
        entry = _record(moderator=moderator, action=Action.REMOVE, subject=thing.author,
                        target=thing.label, reason=reason, closed=closed,
                        **thing.audit_fields)  # fmt: skip
        notices.tell_decision(entry=entry, member=thing.author)
    return closed


def suspend(
    *, moderator: AbstractBaseUser, member: AbstractBaseUser, reason: str, thing: Thing | None
) -> int:
    """Suspend `member`: login refused, sessions ended, everything of theirs hidden; close the
    reports about `thing` (what led to it) and about their profile. Staff and moderators are
    suspended by a superuser only; a superuser not at all, here."""
    _require_moderator(moderator, member)
    if member.is_superuser:
        raise ValidationError(_("A superuser cannot be suspended here."))
    if not member.is_active:
        raise ValidationError(_("This account is deactivated already."))
    with transaction.atomic():
        _suspension, created = Suspension.objects.get_or_create(
            member=member, defaults={"reason": reason}
        )
        if not created:
            raise ValidationError(_("This member is already suspended."))
        # Every page shows active members only: once deactivated, their posts, comments and
        # profile are hidden everywhere, and the counts on posts they touched drop.
        accounts.deactivate(user=member)
        push.forget_browsers(user=member)
        feed.recount_for_member(user=member)
        transaction.on_commit(lambda: place_files(member=member), robust=True)
        closed = _close_reports(thing, member, Action.SUSPEND)
        entry = _record(moderator=moderator, action=Action.SUSPEND, subject=member,
                        target=thing.label if thing else "profile", reason=reason,
                        closed=closed, **(thing.audit_fields if thing else {}))  # fmt: skip
        notices.tell_decision(entry=entry, member=member)
    presence.mark_offline(user=member)
    return closed


def reinstate(
    *, moderator: AbstractBaseUser, member: AbstractBaseUser, reason: str, on_appeal: bool = False
) -> AuditEntry:
    """Lift `member`'s suspension: they can log in again and everything of theirs is back.
    The same rule as suspending: a staff member's or a moderator's is lifted by a superuser.
    On appeal, the audit log says it was a decision reversed on appeal."""
    _require_moderator(moderator, member)
    with transaction.atomic():
        deleted, _rows = Suspension.objects.filter(member=member).delete()
        if not deleted:
            raise ValidationError(_("This member is not suspended."))
        accounts.reactivate(user=member)
        feed.recount_for_member(user=member)
        transaction.on_commit(lambda: place_files(member=member), robust=True)
        action = Action.RESTORE if on_appeal else Action.REINSTATE
        return _record(moderator=moderator, action=action, subject=member, target="profile",
                       reason=reason, closed=0)  # fmt: skip


# A suspended member is mailed why at most this often, however many logins are refused.
REMIND_EVERY = timedelta(hours=1)


def remind(*, member: AbstractBaseUser) -> bool:
    """Mail `member`, whom a login just refused (the right password, or another proof it was
    them), why they are suspended, with a fresh link to appeal; nothing if they are not
    suspended. At most once every REMIND_EVERY: the turn is claimed with one UPDATE of the
    suspension row, so it holds with Redis down and for refused logins at the same moment, and
    whoever holds the password cannot fill the member's mailbox. Return whether mail went."""
    now = timezone.now()
    due = Q(reminded__isnull=True) | Q(reminded__lte=now - REMIND_EVERY)
    if not Suspension.objects.filter(due, member=member).update(reminded=now):
        return False
    entry = selectors.suspension_notice(member_id=member.pk)
    if entry is None:
        return False
    notices.tell_refused_login(entry=entry, member=member)
    return True


def remind_applicant(*, member: AbstractBaseUser) -> bool:
    """Mail `member`, whose application still waits and whom a login just refused, that
    moderators have not decided yet (the login page says no more than after a wrong password).
    At most once every REMIND_EVERY, counted in the database cache ("security"), so it holds
    with Redis down. Return whether mail went."""
    application = identity.pending_application(member)
    if application is None:
        return False
    turn = f"moderation:waiting-told:{member.pk}"
    if not caches["security"].add(turn, 1, timeout=int(REMIND_EVERY.total_seconds())):
        return False
    notices.tell_waiting(application=application)
    return True


# --- Appeals ---------------------------------------------------------------------------------

APPEALABLE = (Action.REMOVE, Action.SUSPEND)
ALREADY_APPEALED = _("You have already appealed this decision. Moderators will look at it.")


def appeal(*, member: AbstractBaseUser, entry: AuditEntry, text: str) -> Appeal:
    """File `member`'s appeal of the removal or suspension `entry` records: one per decision,
    while it stands. Raise ValidationError with what to tell them otherwise."""
    if entry.subject_id != member.pk or entry.action not in APPEALABLE:
        raise PermissionDenied("Only the member a removal or suspension is about may appeal it.")
    text = text.strip()
    if not text:
        raise ValidationError(_("Say why moderators should look again."))
    if Appeal.objects.filter(entry=entry).exists():
        raise ValidationError(ALREADY_APPEALED)
    if not selectors.still_stands(entry):
        raise ValidationError(_("This decision no longer stands: there is nothing to appeal."))
    try:
        with transaction.atomic():
            return Appeal.objects.create(entry=entry, member=member, text=text)
    except IntegrityError as error:  # the one-to-one: appealed just now, in another request
        raise ValidationError(ALREADY_APPEALED) from error


def decide_appeal(
    *, moderator: AbstractBaseUser, appeal: Appeal, outcome: str, reason: str
) -> AuditEntry:
    """Uphold the decision `appeal` is about, or reverse it: a removed post or comment is back,
    a suspension is lifted (through reinstate), a cleared profile may be filled in again. The
    decision is audited with its reason, and the member told both. Return its audit entry."""
    member, entry = appeal.member, appeal.entry
    _require_moderator(moderator, member)
    if entry.moderator_id == moderator.pk and not moderator.is_superuser:
        raise PermissionDenied(_("Another moderator answers the appeal of your own decision."))
    if outcome not in Appeal.Outcome.values:
        raise ValidationError(_("Choose whether to uphold or to reverse the decision."))
    with transaction.atomic():
        if not Appeal.objects.select_for_update().filter(pk=appeal.pk, decided__isnull=True):
            raise ValidationError(_("This appeal was decided already."))
        links = {"post": entry.post, "comment": entry.comment, "message": entry.message}
        stands = selectors.still_stands(entry)
        if outcome == Appeal.Outcome.UPHELD:
            if not stands:
                raise ValidationError(_("This decision no longer stands: it can only be reversed."))
            decision = _record(moderator=moderator, action=Action.UPHOLD, subject=member,
                               target=entry.target, reason=reason, closed=0,
                               **links)  # fmt: skip
        elif entry.action == Action.SUSPEND and stands:
            decision = reinstate(moderator=moderator, member=member, reason=reason, on_appeal=True)
        else:
            # A profile's cleared fields are gone (the member may fill them in again), and so
            # is a message deleted for everyone; what was undone since (a suspension lifted,
            # a post deleted) needs nothing more.
            if stands and entry.comment_id:
                feed.unremove_comment(comment=entry.comment)
            elif stands and entry.post_id:
                feed.unremove_post(post=entry.post)
            decision = _record(moderator=moderator, action=Action.RESTORE, subject=member,
                               target=entry.target, reason=reason, closed=0,
                               **links)  # fmt: skip
        appeal.decided, appeal.outcome, appeal.decision = timezone.now(), outcome, decision
        appeal.save(update_fields=["decided", "outcome", "decision"])
        notices.tell_outcome(appeal=appeal)
    return decision


# --- Applications to join ---------------------------------------------------------------------


def decide_application(
    *, moderator: AbstractBaseUser, application: Application, approve: bool, reason: str = ""
) -> AuditEntry:
    """Accept a waiting application (the account becomes active) or turn it down (it stays
    inactive), through accounts.services; audit it and mail the applicant, with the reason
    when one is given. Return the audit entry."""
    _require_moderator(moderator, application.user)
    reason = reason.strip()
    decide = accounts.approve_application if approve else accounts.refuse_application
    with transaction.atomic():
        if not decide(application=application, moderator=moderator, reason=reason):
            raise ValidationError(_("This application was decided already."))
        entry = _record(moderator=moderator, action=Action.APPROVE if approve else Action.REFUSE,
                        subject=application.user, target="application", reason=reason,
                        closed=0)  # fmt: skip
        notices.tell_application(application=application)
    return entry


def place_files(*, member: AbstractBaseUser) -> None:
    """Once a suspension or a reinstatement commits: the images of the member's posts and
    their profile photo leave the public media folder, or come back (see
    apps.core.uploads.moderated). A removed post's image moves with feed.remove_post."""
    feed.place_images(author=member)
    profiles.place_photos(user=member)


def erase(*, moderator: AbstractBaseUser, thing: Thing, reason: str) -> int:
    """Delete someone's post or comment for good (the admin's "Delete permanently"): a
    superuser's decision, with a reason, recorded like every other. Return how many open
    reports it settled (they go with the thing; the audit entry keeps their number)."""
    if not (moderator.is_authenticated and moderator.is_active and moderator.is_superuser):
        raise PermissionDenied(_("Only a superuser deletes someone's things for good."))
    _require_moderator(moderator, thing.author)
    if thing.kind not in ("post", "comment"):
        raise ValidationError(_("Only posts and comments can be deleted permanently."))
    if not reason.strip():
        raise ValidationError(_("Say why: it is kept in the audit log."))
    with transaction.atomic():
        closed = Report.objects.filter(resolved__isnull=True, **thing.report_fields).count()
        label = thing.label
        if thing.kind == "post":
            done = feed.erase_post(post=thing.obj)
        else:
            done = feed.erase_comment(comment=thing.obj)
        if not done:
            raise ValidationError(_("This was deleted already."))
        _record(moderator=moderator, action=Action.ERASE, subject=thing.author, target=label,
                reason=reason.strip(), closed=closed)  # fmt: skip
    return closed


# --- A member leaving ------------------------------------------------------------------------


def forget_member(*, user: AbstractBaseUser) -> None:
    """Delete the reports the member filed and those about them or their things (with the
    copies of messages' images they kept), their suspension and their appeals. The audit
    log keeps its entries about them, with their username (its links to the account are
    emptied when the user row goes)."""
    about = (
        Q(reporter=user) | Q(member=user) | Q(post__author=user) | Q(comment__author=user)
        | Q(message__sender=user)
    )  # fmt: skip
    reports = Report.objects.filter(about)
    copies = list(reports.exclude(quoted_image="").values_list("quoted_image", flat=True))
    reports.delete()
    if copies:
        transaction.on_commit(lambda: _delete_quotes(copies))
    Suspension.objects.filter(member=user).delete()
    Appeal.objects.filter(member=user).delete()
