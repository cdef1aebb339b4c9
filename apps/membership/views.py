"""The account page: sessions and security links, data export, account deletion."""

from datetime import timedelta

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.web.decorators import login_required_htmx
from apps.core.web.ratelimit import rate_limited
from apps.social import selectors as social

from . import services
from .forms import DeleteAccountForm

RECENT_LOGIN = timedelta(minutes=5)


@login_required_htmx
@require_http_methods(["GET"])
def account(request: HttpRequest) -> HttpResponse:
    context = {
        "two_factor": is_mfa_enabled(request.user),
        "blocked": social.blocked_users(request.user),
        "muted": social.muted_users(request.user),
    }
    return render(request, "membership/account.html", context)


@login_required_htmx
@require_POST
@rate_limited("export")
def export_data(request: HttpRequest) -> HttpResponse:
    archive = services.export_user_data(user=request.user)
    name = f"eternity-{request.user.username}-{timezone.now():%Y%m%d}.zip"
    response = FileResponse(
        archive, as_attachment=True, filename=name, content_type="application/zip"
    )
    response["Cache-Control"] = "no-store"
    return response


@sensitive_post_parameters("password")
@login_required_htmx
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and not _recently_logged_in(request):
        # Social-only accounts have no password to confirm with (and allauth has no
        # provider reauthentication yet): they log in again through their provider first.
        logout(request)
        messages.info(request, _("For your security, log in again to delete your account."))
        return redirect_to_login(reverse("membership:delete_account"))
    form = DeleteAccountForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        services.delete_account(user=user)
        messages.success(request, _("Your account and everything in it have been deleted."))
        return redirect("feed:home")
    return render(request, "membership/delete.html", {"form": form})


def _recently_logged_in(request: HttpRequest) -> bool:
    user = request.user
    if user.has_usable_password():
        return True  # the form asks for the password
    return bool(user.last_login and user.last_login > timezone.now() - RECENT_LOGIN)
