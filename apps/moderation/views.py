"""Reports from members and the moderators' pages. Views parse, call a service or selector,
render; every change is a POST with its CSRF token, every moderator page checks the
"moderate" permission (the "moderator" group has it), never is_superuser, and then
two-factor (the admin's check: accounts.selectors.needs_two_factor)."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.accounts import selectors as accounts
from apps.accounts.models import Application
from apps.accounts.selectors import needs_two_factor
from apps.core.uploads import moderated
from apps.core.uploads.views import PRIVATE_CACHE, stored_image
from apps.core.web.ratelimit import rate_limited

from . import notices, selectors, services
from .forms import (
    ActionForm,
    AppealDecisionForm,
    AppealForm,
    ApplicationDecisionForm,
    ReasonForm,
    ReportForm,
    ToldReasonForm,
)
from .models import Action, Appeal, Suspension

moderator_required = permission_required("moderation.moderate", raise_exception=True)

TWO_FACTOR_FIRST = _(
    "Moderators need two-factor authentication: switch it on here, then open the moderation "
    "pages again."
)


def two_factor_required(view):
    """Where STAFF_REQUIRE_TWO_FACTOR is on, a moderator or staff member without two-factor
    is sent to switch it on, whatever the method: nothing they asked for happens."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if needs_two_factor(request.user):
            messages.warning(request, TWO_FACTOR_FIRST)
            return redirect("mfa_index")
        return view(request, *args, **kwargs)

    return wrapper


DONE = {
    Action.DISMISS: _("Reports dismissed."),
    Action.REMOVE: _("Removed. Its author sees that moderators removed it."),
    Action.SUSPEND: _(
        "@%(username)s is suspended: logged out everywhere, and everything of theirs is hidden."
    ),
}


def _refused_report(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    thing = selectors.thing_to_report(kind=kind, pk=pk, viewer=request.user)
    form = ReportForm(request.POST)
    form.is_valid()
    form.add_error(None, _("You are reporting too often. Wait a minute and try again."))
    return render(request, "moderation/report.html", {"thing": thing, "form": form}, status=429)


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("report", refused=_refused_report)
def report(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """GET: the form (reason and an optional note); POST: file it and redirect to the
    confirmation, so reloading that page sends nothing. Reported things stay up until a
    moderator decides."""
    thing = selectors.thing_to_report(kind=kind, pk=pk, viewer=request.user)
    earlier = selectors.already_reported(reporter=request.user, thing=thing)
    if earlier is not None:
        return render(request, "moderation/report_done.html", {"thing": thing, "again": True})
    form = ReportForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.report(reporter=request.user, thing=thing, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("moderation:report_sent", kind=kind, pk=pk)
    status = 400 if form.is_bound else 200
    return render(request, "moderation/report.html", {"thing": thing, "form": form}, status=status)


@login_required
@require_safe
def report_sent(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The thanks after a report; without one, the form."""
    thing = selectors.thing_to_report(kind=kind, pk=pk, viewer=request.user)
    if selectors.already_reported(reporter=request.user, thing=thing) is None:
        return redirect("moderation:report", kind=kind, pk=pk)
    return render(request, "moderation/report_done.html", {"thing": thing})


@login_required
@moderator_required
@two_factor_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    page, items = selectors.queue_page(number=request.GET.get("page", 1))
    return render(request, "moderation/queue.html", {"page": page, "items": items})


@login_required
@moderator_required
@two_factor_required
@require_POST
def act(request: HttpRequest) -> HttpResponse:
    form = ActionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_back_to_queue(request))
    data = form.cleaned_data
    thing = selectors.thing_for_moderator(kind=data["kind"], pk=data["pk"])
    reason = data["reason"] or str(_("Nothing against the rules."))
    decide = services.dismiss if data["action"] == Action.DISMISS else services.remove
    try:
        with _refusal_told(request):
            decide(moderator=request.user, thing=thing, reason=reason)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, DONE[data["action"]] % {"username": thing.author.username})
    return redirect(_back_to_queue(request))


@login_required
@moderator_required
@two_factor_required
@require_http_methods(["GET", "POST"])
def suspend(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """GET: what suspending the author of the thing does, and the reason it needs; POST:
    suspend. The queue only links here, so no single click suspends anyone."""
    thing = selectors.thing_for_moderator(kind=kind, pk=pk)
    form = ToldReasonForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            with _refusal_told(request):
                services.suspend(moderator=request.user, member=thing.author,
                                 reason=form.cleaned_data["reason"], thing=thing)  # fmt: skip
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, DONE[Action.SUSPEND] % {"username": thing.author.username})
        return redirect(_back_to_queue(request))
    context = {"thing": thing, "form": form, "queue_url": _back_to_queue(request),
               "queue_page": _queue_page(request)}  # fmt: skip
    status = 400 if form.is_bound else 200
    return render(request, "moderation/suspend.html", context, status=status)


@contextmanager
def _refusal_told(request: HttpRequest) -> Iterator[None]:
    """Let a service's PermissionDenied through (a 403), its reason shown on that page."""
    try:
        yield
    except PermissionDenied as refused:
        if refused.args:
            messages.error(request, str(refused.args[0]))
        raise


def _queue_page(request: HttpRequest) -> str:
    """The number of the queue page a decision started on, digits only: nothing else is
    echoed."""
    page = (request.POST if request.method == "POST" else request.GET).get("page", "")
    return page if page.isascii() and page.isdigit() and page != "1" else ""


def _back_to_queue(request: HttpRequest) -> str:
    """The queue page the decision was made on."""
    page, url = _queue_page(request), reverse("moderation:queue")
    return f"{url}?page={page}" if page else url


@login_required
@moderator_required
@two_factor_required
@require_safe
def suspended(request: HttpRequest) -> HttpResponse:
    page = selectors.suspensions_page(number=request.GET.get("page", 1))
    return render(request, "moderation/suspended.html", {"page": page, "form": ReasonForm()})


@login_required
@moderator_required
@two_factor_required
@require_POST
def reinstate(request: HttpRequest, pk: int) -> HttpResponse:
    suspension = get_object_or_404(Suspension.objects.select_related("member"), member_id=pk)
    member = suspension.member
    form = ReasonForm(request.POST)
    if not form.is_valid():
        page = selectors.suspensions_page()
        context = {"page": page, "form": form, "failed": pk}
        return render(request, "moderation/suspended.html", context, status=400)
    try:
        with _refusal_told(request):
            services.reinstate(moderator=request.user, member=member,
                               reason=form.cleaned_data["reason"])  # fmt: skip
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("@%(username)s can log in again; everything of theirs is back.")
            % {"username": member.username},
        )
    return redirect("moderation:suspended")


@login_required
@permission_required("moderation.view_auditentry", raise_exception=True)
@two_factor_required
@require_safe
def log(request: HttpRequest) -> HttpResponse:
    page = selectors.log_page(number=request.GET.get("page", 1))
    return render(request, "moderation/log.html", {"page": page})


@require_safe
def media(request: HttpRequest, name: str) -> HttpResponse:
    """An image moderators took out of public view, for its owner and for moderators, never
    kept by a cache; to anyone else it does not exist (404, as at its old public address)."""
    match = moderated.parse(name)
    user = request.user
    if match is None or not user.is_authenticated:
        raise Http404
    is_moderator = user.has_perm("moderation.moderate") and not needs_two_factor(user)
    if int(match["owner"]) != user.pk and not is_moderator:
        raise Http404
    return stored_image(name, match["ext"], cache_control=PRIVATE_CACHE)


# --- Appeals ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def appeal(request: HttpRequest, token: str) -> HttpResponse:
    """A removal or suspension, why, and the member's appeal of it: the form, or how it
    stands. The signed link names the member and the decision, so it works without a session
    (a suspended member has none)."""
    try:
        member_id, entry_id = notices.read_appeal_token(token)
    except signing.SignatureExpired:
        return render(request, "moderation/appeal.html", {"expired": True}, status=410)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Http404 from None
    entry = selectors.decision_for_member(member_id=member_id, entry_id=entry_id)
    form = AppealForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.appeal(member=entry.subject, entry=entry, text=form.cleaned_data["text"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your appeal was sent. Moderators will look at it."))
            return redirect(request.path)
    filed = getattr(entry, "appeal", None)
    context = {
        "entry": entry,
        "appeal": filed,
        "outcome": notices.outcome_text(filed) if filed and filed.decided else "",
        "stands": selectors.still_stands(entry),
        "text": notices.decision_text(entry),
        "why": notices.why(entry.reason),
        "thing": selectors.thing_decided(entry),
        "form": form,
    }
    return render(request, "moderation/appeal.html", context, status=400 if form.is_bound else 200)


@login_required
@moderator_required
@two_factor_required
@require_safe
def appeals(request: HttpRequest) -> HttpResponse:
    page = selectors.appeals_page(number=request.GET.get("page", 1))
    return render(request, "moderation/appeals.html", {"page": page})


DECIDED = {
    Appeal.Outcome.UPHELD: _("The decision stands; @%(username)s is told why."),
    Appeal.Outcome.REVERSED: _("The decision is reversed; @%(username)s is told why."),
}


@login_required
@moderator_required
@two_factor_required
@require_POST
def decide_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(
        Appeal.objects.select_related("member", "entry__post", "entry__comment__post"), pk=pk
    )
    form = AppealDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("moderation:appeals")
    outcome = form.cleaned_data["outcome"]
    try:
        with _refusal_told(request):
            services.decide_appeal(moderator=request.user, appeal=appeal, outcome=outcome,
                                   reason=form.cleaned_data["reason"])  # fmt: skip
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, DECIDED[outcome] % {"username": appeal.member.username})
    return redirect("moderation:appeals")


# --- Applications to join ---------------------------------------------------------------------


@login_required
@moderator_required
@two_factor_required
@require_safe
def applications(request: HttpRequest) -> HttpResponse:
    page = accounts.applications_page(number=request.GET.get("page", 1))
    return render(request, "moderation/applications.html", {"page": page})


@login_required
@moderator_required
@two_factor_required
@require_POST
def decide_application(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(Application.objects.select_related("user"), pk=pk)
    form = ApplicationDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("moderation:applications")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        with _refusal_told(request):
            services.decide_application(
                moderator=request.user,
                application=application,
                approve=approve,
                reason=form.cleaned_data["reason"],
            )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        done = APPROVED if approve else REFUSED
        messages.success(request, done % {"username": application.user.username})
    return redirect("moderation:applications")


APPROVED = _("@%(username)s is accepted and can sign in; they are told by email.")
REFUSED = _("@%(username)s is turned down; they are told by email.")
