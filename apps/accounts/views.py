"""The pages around signing up under the registration mode: an invitation link's landing
page and the page an applicant reads while moderators decide; signing out one session."""

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.usersessions.views import ListUserSessionsView
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from apps.core.web.decorators import login_required_htmx

from . import selectors, services


@require_safe
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Keep a usable link in the visitor's session and send them to the signup page (which
    then says who invited them); say plainly why a link no longer works."""
    found = selectors.invitation_for_token(token)
    if found is None or not found.is_usable:
        context = {"invitation": found, "unusable": True}
        status = 404 if found is None else 410
        return render(request, "accounts/invitation.html", context, status=status)
    if request.user.is_authenticated:
        return render(request, "accounts/invitation.html", {"invitation": found})
    request.session[selectors.INVITATION_SESSION_KEY] = found.token
    return redirect("account_signup")


@require_safe
def application_waiting(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/application_waiting.html")


class SessionListView(ListUserSessionsView):
    """allauth's "Sessions and devices" (its form signs out the other sessions), listing the
    member's live sessions in two queries rather than a few per session."""

    def get_context_data(self, **kwargs: object) -> dict:
        context = super(ListUserSessionsView, self).get_context_data(**kwargs)
        context["sessions"] = selectors.live_sessions(user=self.request.user)
        context["session_count"] = len(context["sessions"])
        return context


session_list = SessionListView.as_view()


@login_required_htmx
@require_POST
def end_session(request: HttpRequest) -> HttpResponse:
    """Sign out the device of one of the member's sessions ("Sessions and devices"); signing
    out this device's own session is logging out."""
    session_id = request.POST.get("session", "")
    if not (session_id.isascii() and session_id.isdigit() and len(session_id) < 19):
        raise Http404  # not an id any session can have (and none that overflows a bigint)
    ended = services.end_session(user=request.user, session_id=int(session_id))
    if ended is None:
        raise Http404
    if ended.session_key == request.session.session_key:
        adapter = get_account_adapter()
        adapter.add_message(request, messages.SUCCESS, "account/messages/logged_out.txt")
        adapter.logout(request)
        return redirect("/")
    messages.success(request, _("That session is signed out."))
    return redirect("usersessions_list")
