"""Reports from members and the moderators' pages. Views parse, call a service or selector,
render; every change is a POST with its CSRF token, every moderator page checks the
"moderate" permission (the "moderator" group has it), never is_superuser."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.core.uploads import moderated
from apps.core.uploads.views import PRIVATE_CACHE, stored_image
from apps.core.web.ratelimit import rate_limited

from . import selectors, services
from .forms import ActionForm, ReinstateForm, ReportForm
from .models import Action, Suspension

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


@require_safe
def media(request: HttpRequest, name: str) -> HttpResponse:
    """An image moderators took out of public view, for its owner and for moderators, never
    kept by a cache; to anyone else it does not exist (404, as at its old public address)."""
    match = moderated.parse(name)
    user = request.user
    if match is None or not user.is_authenticated:
        raise Http404
    if int(match["owner"]) != user.pk and not user.has_perm("moderation.moderate"):
        raise Http404
    return stored_image(name, match["ext"], cache_control=PRIVATE_CACHE)
