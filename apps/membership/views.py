"""The account page: sessions and security links, data export, account deletion; the
member's invitation links."""

from datetime import timedelta

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts import selectors as accounts_selectors
from apps.accounts import services as accounts
from apps.accounts.forms import InvitationForm
from apps.accounts.models import Invitation, SignupMode
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


# --- Invitations ------------------------------------------------------------------------------


TOO_MANY_LINKS = _(
    "You have as many usable links as a member may have: revoke one, or wait until one "
    "expires or is used up."
)


def _invitation_limits(user) -> tuple[int, int | None]:
    """The signups one of the member's links may admit, and how many usable links they may
    have at once (None: no limit). Moderators invite more people, and without a count."""
    if user.has_perm("moderation.moderate"):
        return settings.INVITE_MODERATOR_MAX_USES, None
    return settings.INVITE_MAX_USES, settings.INVITES_PER_MEMBER


def _invitations_page(request: HttpRequest, form: InvitationForm, status: int = 200):
    links = accounts_selectors.invitations_of(request.user)
    for invitation in links:
        invitation.url = settings.SITE_URL + invitation_path(invitation)
    max_uses, per_member = _invitation_limits(request.user)
    context = {
        "form": form,
        "invitations": links,
        "per_member": per_member,
        "max_uses": max_uses,
        "invitation_only": accounts_selectors.signup_policy().mode == SignupMode.INVITATION,
    }
    return render(request, "membership/invitations.html", context, status=status)


def invitation_path(invitation: Invitation) -> str:
    return reverse("accounts:invitation", args=[invitation.token])


def _new_form(request: HttpRequest, data=None) -> InvitationForm:
    max_uses, _per_member = _invitation_limits(request.user)
    return InvitationForm(data, max_uses=max_uses, max_days=settings.INVITE_MAX_DAYS)


def _refused_invitation(request: HttpRequest) -> HttpResponse:
    form = _new_form(request, request.POST)
    form.is_valid()
    form.add_error(None, _("You are making invitations too often. Wait a while and try again."))
    return _invitations_page(request, form, status=429)


@login_required_htmx
@require_http_methods(["GET", "POST"])
@rate_limited("invite", refused=_refused_invitation)
def invitations(request: HttpRequest) -> HttpResponse:
    """GET: the member's links, with the uses left, and the form for a new one; POST: make
    one (then back here, so a reload makes nothing)."""
    form = _new_form(request, request.POST if request.method == "POST" else None)
    if form.is_valid():
        _max_uses, per_member = _invitation_limits(request.user)
        try:
            accounts.create_invitation(user=request.user, days=form.cleaned_data["days"],
                                       max_uses=form.cleaned_data["uses"],
                                       most=per_member)  # fmt: skip
        except accounts.TooManyInvitations:
            form.add_error(None, TOO_MANY_LINKS)
        else:
            messages.success(request, _("Your new invitation link is at the top of the list."))
            return redirect("membership:invitations")
    return _invitations_page(request, form, status=400 if form.is_bound else 200)


@login_required_htmx
@require_POST
def revoke_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop one of the member's links working; someone else's is not found."""
    invitation = get_object_or_404(Invitation, pk=pk, created_by=request.user)
    accounts.revoke_invitation(invitation=invitation)
    messages.success(request, _("The link no longer works. Accounts made with it stay."))
    return redirect("membership:invitations")
