"""Reports from members and the moderators' pages. Views parse, call a service or selector,
render; every change is a POST with its CSRF token, every moderator page checks the
"moderate" permission (the "moderator" group has it), never is_superuser."""

from allauth.account.views import AccountInactiveView
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.accounts import selectors as accounts
from apps.core.web.ratelimit import rate_limited

from . import notices, selectors, services
from .forms import ActionForm, AppealDecisionForm, AppealForm, ReinstateForm, ReportForm
from .models import Action, Appeal, Suspension

moderator_required = permission_required("moderation.moderate", raise_exception=True)

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
    """GET: the form (reason and an optional note); POST: file it, then a confirmation page.
    Reported things stay up until a moderator decides."""
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
            return render(request, "moderation/report_done.html", {"thing": thing})
    status = 400 if form.is_bound else 200
    return render(request, "moderation/report.html", {"thing": thing, "form": form}, status=status)


@login_required
@moderator_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    page, items = selectors.queue_page(number=request.GET.get("page", 1))
    return render(request, "moderation/queue.html", {"page": page, "items": items})


@login_required
@moderator_required
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
    try:
        if data["action"] == Action.DISMISS:
            services.dismiss(moderator=request.user, thing=thing, reason=reason)
        elif data["action"] == Action.REMOVE:
            services.remove(moderator=request.user, thing=thing, reason=reason)
        else:
            services.suspend(moderator=request.user, member=thing.author, reason=reason,
                             thing=thing)  # fmt: skip
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, DONE[data["action"]] % {"username": thing.author.username})
    return redirect(_back_to_queue(request))


def _back_to_queue(request: HttpRequest) -> str:
    """The queue page the decision was made on (its number only: nothing else is echoed)."""
    page = request.POST.get("page", "")
    url = reverse("moderation:queue")
    return f"{url}?page={page}" if page.isdigit() and page != "1" else url


@login_required
@moderator_required
@require_safe
def suspended(request: HttpRequest) -> HttpResponse:
    page = selectors.suspensions_page(number=request.GET.get("page", 1))
    return render(request, "moderation/suspended.html", {"page": page, "form": ReinstateForm()})


@login_required
@moderator_required
@require_POST
def reinstate(request: HttpRequest, pk: int) -> HttpResponse:
    suspension = get_object_or_404(Suspension.objects.select_related("member"), member_id=pk)
    member = suspension.member
    form = ReinstateForm(request.POST)
    if not form.is_valid():
        page = selectors.suspensions_page()
        context = {"page": page, "form": form, "failed": pk}
        return render(request, "moderation/suspended.html", context, status=400)
    try:
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
@require_safe
def log(request: HttpRequest) -> HttpResponse:
    page = selectors.log_page(number=request.GET.get("page", 1))
    return render(request, "moderation/log.html", {"page": page})


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
        services.decide_appeal(moderator=request.user, appeal=appeal, outcome=outcome,
                               reason=form.cleaned_data["reason"])  # fmt: skip
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, DECIDED[outcome] % {"username": appeal.member.username})
    return redirect("moderation:appeals")


class SuspendedNoticeView(AccountInactiveView):
    """allauth's page for an account that may not log in. To the member who just proved who
    they are (allauth comes here only then; see the account adapter), a suspension's reason
    and the link to appeal; to anyone else, nothing more than that the account is inactive."""

    def get_context_data(self, **kwargs: object) -> dict:
        context = super().get_context_data(**kwargs)
        member_id = accounts.refused_member_id(self.request.session)
        if member_id is None or self.request.user.is_authenticated:
            return context
        entry = selectors.suspension_notice(member_id=member_id)
        if entry is not None:
            context.update(
                suspension=entry,
                why=notices.why(entry.reason),
                appeal=getattr(entry, "appeal", None),
                appeal_url=notices.appeal_url(entry),
            )
        return context


suspended_notice = SuspendedNoticeView.as_view()
