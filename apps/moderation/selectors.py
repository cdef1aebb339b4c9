"""Read queries for reports and moderation: the thing a report is about, the queue of open
reports grouped by thing with their authors' history (a fixed number of queries whatever the
page holds), the audit log."""

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Permission
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Min, Q, Window
from django.db.models.functions import Coalesce, RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404

from apps.accounts.lifecycle import MemberData
from apps.conversations import selectors as conversations
from apps.feed import selectors as feed
from apps.profiles import selectors as profiles

from .models import Action, Appeal, AuditEntry, Reason, Report, Suspension

KINDS = ("post", "comment", "profile", "message")
# The field of a report (and of an audit entry, but for a profile) each kind is kept in.
FIELDS = {"post": "post", "comment": "comment", "profile": "member", "message": "message"}
QUEUE_PAGE_SIZE = 20
APPEALS_PAGE_SIZE = 20
LOG_PAGE_SIZE = 50
NOTES_SHOWN = 5


@dataclass(frozen=True)
class Thing:
    """What a report is about: a post, a comment, a profile (a member) or a message in a
    conversation, and who wrote it. A message comes with the report that `quoted` it as it
    was reported, where moderators read it (never the rest of its conversation)."""

    kind: str
    obj: object
    author: AbstractBaseUser
    quoted: Report | None = None

    @property
    def pk(self) -> int:
        return self.obj.pk

    @property
    def report_fields(self) -> dict[str, object]:
        return {FIELDS[self.kind]: self.obj}

    @property
    def audit_fields(self) -> dict[str, object]:
        """What an audit entry links to: the post, the comment or the message (a profile is
        its member)."""
        return {self.kind: self.obj} if self.kind != "profile" else {}

    @property
    def label(self) -> str:
        """How the audit log names it: kind, id and, for a post, the start of its title."""
        if self.kind == "post":
            return f"post {self.obj.pk} “{self.obj.title[:80]}”"
        if self.kind == "comment":
            return f"comment {self.obj.pk} on post {self.obj.post_id}"
        if self.kind == "message":
            return f"message {self.obj.pk} in conversation {self.obj.conversation_id}"
        return "profile"


def thing_to_report(*, kind: str, pk: int, viewer: AbstractBaseUser) -> Thing:
    """The thing `viewer` wants to report, if they can see it; else 404."""
    if kind == "post":
        post = feed.get_post(pk=pk, viewer=viewer)
        if post.removed:
            raise Http404
        return Thing("post", post, post.author)
    if kind == "comment":
        comment = feed.get_comment(pk=pk, viewer=viewer)
        if comment.is_deleted or comment.removed:
            raise Http404
        return Thing("comment", comment, comment.author)
    if kind == "profile":
        member = profiles.get_user_with_profile(pk=pk)
        return Thing("profile", member, member)
    if kind == "message":
        message = conversations.message_to_report(pk=pk, viewer=viewer)
        if message.sender is None:
            raise Http404  # from a deleted member: there is nobody to decide about
        return Thing("message", message, message.sender)
    raise Http404


def thing_for_moderator(*, kind: str, pk: int) -> Thing:
    """The thing, whatever its state (removed, its author suspended); 404 if it is gone."""
    things = _things([(kind, pk)])
    if (kind, pk) not in things:
        raise Http404
    return things[(kind, pk)]


def _things(keys: list[tuple[str, int]]) -> dict[tuple[str, int], Thing]:
    wanted = {kind: [pk for k, pk in keys if k == kind] for kind in KINDS}
    things: dict[tuple[str, int], Thing] = {}
    if wanted["post"]:
        for pk, post in feed.posts_by_pk(wanted["post"]).items():
            things["post", pk] = Thing("post", post, post.author)
    if wanted["comment"]:
        for pk, comment in feed.comments_by_pk(wanted["comment"]).items():
            things["comment", pk] = Thing("comment", comment, comment.author)
    if wanted["profile"]:
        for pk, member in profiles.members_by_pk(wanted["profile"]).items():
            things["profile", pk] = Thing("profile", member, member)
    if wanted["message"]:
        # A private message reaches moderators only through a report of it (or a decision
        # already made on one): never by its id alone.
        known = set(Report.objects.filter(message_id__in=wanted["message"])
                    .values_list("message_id", flat=True))  # fmt: skip
        known |= set(AuditEntry.objects.filter(message_id__in=wanted["message"])
                     .values_list("message_id", flat=True))  # fmt: skip
        for pk, message in conversations.messages_by_pk(sorted(known)).items():
            if message.sender is not None:
                things["message", pk] = Thing("message", message, message.sender)
        things |= with_quotes([t for t in things.values() if t.kind == "message"])
    return things


def with_quotes(things: list[Thing]) -> dict[tuple[str, int], Thing]:
    """These message things, each with its first report's quote of it: one query."""
    if not things:
        return {}
    first: dict[int, Report] = {}
    reports = Report.objects.filter(message_id__in=[t.pk for t in things])
    for report in reports.order_by("-created", "-pk"):
        first[report.message_id] = report
    return {(t.kind, t.pk): replace(t, quoted=first.get(t.pk)) for t in things}


def holds_moderate_permission(user: AbstractBaseUser) -> bool:
    """Whether `user` was given the "moderate" permission (directly or through a group;
    superusers hold every permission), whether or not the account is active now. One query,
    where Django's has_perm makes two and answers False for an inactive account."""
    if user.is_superuser:
        return True
    granted = Permission.objects.filter(Q(user=user) | Q(group__user=user),
                                        content_type__app_label="moderation",
                                        codename="moderate")  # fmt: skip
    return granted.exists()


def already_reported(*, reporter: AbstractBaseUser, thing: Thing) -> Report | None:
    return Report.objects.filter(reporter=reporter, **thing.report_fields).first()


# --- The queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    """What moderators knew of a thing's author before this thing: the other reports about
    anything of theirs (open or closed), and what moderators did about them."""

    other_reports: int = 0
    removals: int = 0
    suspensions: int = 0

    def __bool__(self) -> bool:
        return bool(self.other_reports or self.removals or self.suspensions)


@dataclass
class QueueItem:
    thing: Thing
    count: int
    first: datetime
    reasons: list[tuple[str, int]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    history: History = field(default_factory=History)


def _key(row: dict) -> tuple[str, int]:
    if row["post_id"]:
        return "post", row["post_id"]
    if row["comment_id"]:
        return "comment", row["comment_id"]
    if row["message_id"]:
        return "message", row["message_id"]
    return "profile", row["member_id"]


THING_IDS = ("post_id", "comment_id", "member_id", "message_id")


def open_report_count() -> int:
    """How many things have open reports."""
    return _groups().count()


def _groups():
    return (
        Report.objects.filter(resolved__isnull=True)
        .values(*THING_IDS)
        .annotate(count=Count("id"), first=Min("created"))
        .order_by("first", *THING_IDS)
    )


def queue_page(*, number: object = 1) -> tuple[Page, list[QueueItem]]:
    """Open reports grouped by thing, oldest first: each with its thing, how many members
    reported it, the reasons counted, the latest notes and its author's history. Nine
    queries at most."""
    page = Paginator(_groups(), QUEUE_PAGE_SIZE).get_page(number)
    rows = list(page.object_list)
    keys = [_key(row) for row in rows]
    things = _things(keys)
    about_page = Report.objects.filter(resolved__isnull=True).filter(
        Q(post_id__in=[pk for kind, pk in keys if kind == "post"])
        | Q(comment_id__in=[pk for kind, pk in keys if kind == "comment"])
        | Q(member_id__in=[pk for kind, pk in keys if kind == "profile"])
        | Q(message_id__in=[pk for kind, pk in keys if kind == "message"])
    )
    reasons: dict[tuple[str, int], Counter] = {key: Counter() for key in keys}
    notes: dict[tuple[str, int], list[tuple[str, str]]] = {key: [] for key in keys}
    if keys:
        # Counted in SQL, and only the latest notes of each thing read: a thing reported by
        # thousands costs what one reported by three does.
        counted = about_page.values(*THING_IDS, "reason")
        for row in counted.annotate(n=Count("id")).order_by():
            reasons[_key(row)][row["reason"]] = row["n"]
        latest = (
            about_page.exclude(note="")
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F(name) for name in THING_IDS],
                    order_by=[F("created").desc(), F("id").desc()],
                )
            )
            .filter(rank__lte=NOTES_SHOWN)
            .values(*THING_IDS, "reporter__username", "note")
        )
        for row in latest:
            notes[_key(row)].append((row["reporter__username"], row["note"]))
    labels = dict(Reason.choices)
    items = [
        QueueItem(
            thing=things[key],
            count=row["count"],
            first=row["first"],
            reasons=[(labels.get(r, r), n) for r, n in reasons[key].most_common()],
            notes=notes[key],
        )
        for key, row in zip(keys, rows, strict=True)
        if key in things  # gone between the two queries: its reports went with it
    ]
    _add_histories(items)
    return page, items


def _add_histories(items: list[QueueItem]) -> None:
    """Set each item's author history: two queries for the whole page."""
    authors = {item.thing.author.pk for item in items}
    if not authors:
        return
    # Every report about anything of theirs; the open ones about this thing are subtracted
    # per item below, so what is left is the rest of their record.
    reports = dict(
        Report.objects.annotate(
            author=Coalesce(
                "post__author_id", "comment__author_id", "member_id", "message__sender_id"
            )
        )
        .filter(author__in=authors)
        .values("author")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("author", "n")
    )
    decisions: dict[tuple[int, str], int] = {
        (subject, action): n
        for subject, action, n in AuditEntry.objects.filter(
            subject_id__in=authors, action__in=[Action.REMOVE, Action.SUSPEND]
        )
        .values("subject_id", "action")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("subject_id", "action", "n")
    }
    for item in items:
        pk = item.thing.author.pk
        item.history = History(
            other_reports=max(reports.get(pk, 0) - item.count, 0),
            removals=decisions.get((pk, Action.REMOVE), 0),
            suspensions=decisions.get((pk, Action.SUSPEND), 0),
        )


def suspensions_page(*, number: object = 1) -> Page:
    return Paginator(Suspension.objects.select_related("member"), QUEUE_PAGE_SIZE).get_page(number)


def log_page(*, number: object = 1) -> Page:
    return Paginator(AuditEntry.objects.all(), LOG_PAGE_SIZE).get_page(number)


# --- Appeals ---------------------------------------------------------------------------------


def decision_for_member(*, member_id: int, entry_id: int) -> AuditEntry:
    """The removal or suspension `entry_id` about member `member_id`, with what it was about
    and its appeal, if any; 404 for anything else."""
    entries = AuditEntry.objects.select_related(
        "subject", "post", "comment__post", "message", "appeal__decision"
    )
    return get_object_or_404(
        entries,
        pk=entry_id,
        subject_id=member_id,
        action__in=(Action.REMOVE, Action.SUSPEND),
    )


def still_stands(entry: AuditEntry) -> bool:
    """Whether the decision `entry` (as just read) records is still in force: what it removed
    is still removed, the suspension it made is the member's current one."""
    if entry.action == Action.SUSPEND:
        later = AuditEntry.objects.filter(
            subject_id=entry.subject_id, action=Action.SUSPEND, pk__gt=entry.pk
        )
        current = Suspension.objects.filter(member_id=entry.subject_id)
        return current.exists() and not later.exists()
    if entry.comment_id:
        return entry.comment.removed is not None
    if entry.post_id:
        return entry.post.removed is not None
    if entry.message_id:
        return entry.message.is_deleted  # deleted for everyone: it never comes back
    return entry.target == "profile"


def thing_decided(entry: AuditEntry) -> Thing | None:
    """The post, comment, profile or message (with its quote) a removal was about, while it
    exists; None for a suspension, or what was deleted since."""
    thing = _thing_decided(entry)
    if thing is not None and thing.kind == "message":
        return with_quotes([thing])[thing.kind, thing.pk]
    return thing


def _thing_decided(entry: AuditEntry) -> Thing | None:
    if entry.action != Action.REMOVE:
        return None
    if entry.message is not None and entry.subject is not None:
        return Thing("message", entry.message, entry.subject)
    if entry.comment is not None:
        return Thing("comment", entry.comment, entry.subject)
    if entry.post is not None:
        return Thing("post", entry.post, entry.subject)
    if entry.target == "profile" and entry.subject is not None:
        return Thing("profile", entry.subject, entry.subject)
    return None


def appeals_page(*, number: object = 1) -> Page:
    """Appeals waiting for a decision, oldest first, each with the decision it is about and
    what that was about; four queries whatever the page holds."""
    waiting = Appeal.objects.filter(decided__isnull=True).select_related(
        "member__profile", "entry__post", "entry__comment__post", "entry__message",
        "entry__subject__profile",
    )  # fmt: skip
    page = Paginator(waiting, APPEALS_PAGE_SIZE).get_page(number)
    page.object_list = list(page.object_list)
    for appeal in page.object_list:
        appeal.thing = _thing_decided(appeal.entry)
    things = [appeal.thing for appeal in page.object_list if appeal.thing]
    quoted = with_quotes([thing for thing in things if thing.kind == "message"])
    for appeal in page.object_list:
        if appeal.thing is not None:
            appeal.thing = quoted.get((appeal.thing.kind, appeal.thing.pk), appeal.thing)
    return page


def suspension_notice(*, member_id: int) -> AuditEntry | None:
    """The decision behind the member's current suspension, for the page they see when they
    try to sign in; None if they are not suspended (an account an administrator closed)."""
    if not Suspension.objects.filter(member_id=member_id).exists():
        return None
    return (
        AuditEntry.objects.filter(subject_id=member_id, action=Action.SUSPEND)
        .select_related("appeal")
        .first()
    )


# --- The member's own data -------------------------------------------------------------------


def member_export(*, user: AbstractBaseUser) -> MemberData:
    """For the member's data export: the reports they filed, what moderators did about them
    or their things (the action, the reason given, when; not which moderator) and their
    appeals."""
    filed = []
    for report in Report.objects.filter(reporter=user).order_by("created"):
        key = _key({name: getattr(report, name) for name in THING_IDS})
        filed.append({
            "about": f"{key[0]} {key[1]}",
            "reason": report.reason,
            "note": report.note,
            "created": report.created,
            "resolved": report.resolved,
            "resolution": report.resolution,
        })  # fmt: skip
    actions = [
        {"action": e.action, "about": e.target, "reason": e.reason, "when": e.created}
        for e in AuditEntry.objects.filter(subject=user).order_by("created")
    ]
    appeals = [
        {"about": a.entry.target, "decision": a.entry.action, "text": a.text,
         "created": a.created, "decided": a.decided, "outcome": a.outcome}
        for a in Appeal.objects.filter(member=user).select_related("entry")
    ]  # fmt: skip
    return MemberData({"reports_filed": filed, "moderation_of_you": actions, "appeals": appeals})
