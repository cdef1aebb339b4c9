"""The account page: sessions and security links, data export, account deletion."""

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.decorators import login_required_htmx, rate_limited

from . import services
from .forms import DeleteAccountForm


@login_required_htmx
@require_http_methods(["GET"])
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/account.html")


@login_required_htmx
@require_POST
@rate_limited("export")
def export(request: HttpRequest) -> HttpResponse:
    archive = services.export_user_data(user=request.user)
    name = f"eternity-{request.user.username}-{timezone.now():%Y%m%d}.zip"
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required_htmx
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        services.delete_account(user=user)
        messages.success(request, _("Your account and everything in it have been deleted."))
        return redirect("feed:home")
    return render(request, "accounts/delete.html", {"form": form})
