"""The pages around signing up under the registration mode: an invitation link's landing
page and the page an applicant reads while moderators decide."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from . import selectors


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
