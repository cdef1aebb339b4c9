"""allauth customisation through its adapter hooks, not forks."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.core.web.ratelimit import client_address

from . import blocklists, selectors, services, usernames
from .models import SignupMode
from .selectors import INVITATION_SESSION_KEY, signup_gate
from .signals import refuse_login


def _admit(request, user, *, answer: str, save):
    """Create the account under the registration mode (accounts.services.admit); a link
    used up meanwhile, or signup closed meanwhile, is a page that says so, and nothing is
    created."""
    gate = signup_gate(request)
    try:
        services.admit(user=user, save=save, policy=gate.policy, invitation=gate.invitation,
                       answer=answer)  # fmt: skip
    except services.InvitationUnusable:
        page = render(request, "accounts/invitation.html",
                      {"invitation": gate.invitation, "unusable": True}, status=410)  # fmt: skip
        raise ImmediateHttpResponse(page) from None
    except PermissionDenied:
        page = render(request, "account/signup_closed.html", status=403)
        raise ImmediateHttpResponse(page) from None
    request.session.pop(INVITATION_SESSION_KEY, None)
    return user


@dataclass(frozen=True)
class ConfiguredSite:
    """What allauth's mail calls `current_site`, from settings: without the Sites framework
    allauth makes it from the request's Host."""

    name: str
    domain: str


def on_site(url: str) -> str:
    """The same address on SITE_URL: its path, query and fragment, never its host."""
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return f"{settings.SITE_URL}{parts.path or '/'}{query}{fragment}"


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        """The same address the site's own limits see (TRUSTED_PROXY_COUNT). allauth's own
        reading raises ImproperlyConfigured, a 500, when a request reaches a node without
        passing every proxy (a probe or a misrouted client behind a load balancer). Always an
        IP address: allauth stores it with each session, in an `inet` column on PostgreSQL."""
        address = client_address(request)
        if address is None:
            raise PermissionDenied("Unable to determine client IP address")  # as allauth does
        return address

    def is_open_for_signup(self, request) -> bool:
        """Signup by email and by a provider both ask here first. A visitor from a blocked
        network gets a page that says so (403). Closed, or invitation only without a usable
        link opened in this browser: allauth shows the "signup closed" page, which says which
        (account/signup_closed.html). Either way nothing is created."""
        if blocklists.blocked_network(request):
            page = render(request, "account/signup_refused.html",
                          {"message": blocklists.BLOCKED_NETWORK}, status=403)  # fmt: skip
            raise ImmediateHttpResponse(page)
        gate = signup_gate(request)
        if gate.mode == SignupMode.CLOSED:
            return False
        return gate.mode != SignupMode.INVITATION or gate.invitation is not None

    def save_user(self, request, user, form, commit=True):
        """Every new account, from the signup form or a provider, is created through
        accounts.services.admit: the invitation's use counted, or an application filed."""
        if not commit or getattr(user, "admitting", False):  # a provider's signup: admitted there
            return super().save_user(request, user, form, commit)
        super().save_user(request, user, form, commit=False)
        return _admit(request, user, answer=form.cleaned_data.get("answer", ""), save=user.save)

    def pre_login(self, request, user, **kwargs):
        """An applicant who just signed up waits for moderators: no login; their address is
        sent its confirmation link (one mail, to the address they just typed, as any signup
        sends), and they read that their application waits."""
        if kwargs.get("signup") and not user.is_active and selectors.pending_application(user):
            if settings.ACCOUNT_EMAIL_VERIFICATION != "none":
                address = EmailAddress.objects.filter(
                    user=user, email__iexact=user.email, verified=False
                ).first()
                if address is not None:
                    address.send_confirmation(request, signup=True)
            return redirect("accounts:application_waiting")
        return super().pre_login(request, user, **kwargs)

    def get_email_verification_redirect_url(self, email_address) -> str:
        """An applicant who confirmed their address reads again that they wait."""
        if not email_address.user.is_active and selectors.pending_application(email_address.user):
            return reverse("accounts:application_waiting")
        return super().get_email_verification_redirect_url(email_address)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every allauth mail (confirmations, resets, codes, notices of account and two-factor
        changes) goes through here. allauth builds its links and names the site from the
        request's Host, which whoever asks for a reset chooses (any allowed host, any port):
        rebase every link onto SITE_URL and name the site from settings."""
        site = ConfiguredSite(name=settings.SITE_NAME, domain=settings.SITE_DOMAIN)
        context = {
            key: on_site(value) if key.endswith("_url") and isinstance(value, str) else value
            for key, value in context.items()
        }
        super().send_mail(template_prefix, email, {**context, "current_site": site})

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """allauth keys its failed-login limit on the site's domain (here, the request's Host)
        and on the login as typed, so one account got five more guesses per Host it answers
        to and per way of naming it (username or email). Key it on the account itself."""
        login = str(credentials.get("email") or credentials.get("username") or "").strip()
        users = get_user_model().objects
        account = (
            users.filter(username__iexact=login).values_list("pk", flat=True).first()
            or users.filter(email__iexact=login).values_list("pk", flat=True).first()
            or EmailAddress.objects.filter(email__iexact=login)
            .values_list("user_id", flat=True)
            .first()
        )
        return f"account:{account}" if account else f"login:{login.lower()}"

    def clean_username(self, username: str, shallow: bool = False) -> str:
        """Every allauth path (signup, social signup, the settings forms through this adapter)
        checks the NFKC form, and returns it, so what is checked is what is saved."""
        return super().clean_username(usernames.normalize(username), shallow=shallow)

    def generate_unique_username(self, txts, regex=None) -> str:
        """A handle for a social signup: only the characters a handle may have (allauth's
        default keeps "." "+" "-"), short enough to leave room for its numeric suffix, and
        never a reserved one."""
        texts = [text[: usernames.MAX_LENGTH - 8] if text else text for text in txts]
        # Every name given may be reserved (a provider's user called "Support"): a plain one
        # last, so the numbered candidates are not all variants of a staff word.
        texts.append("member")
        # "@" is kept until allauth cuts an address at it, so no handle is made of a whole email.
        return super().generate_unique_username(texts, regex or r"[^A-Za-z0-9_\s@]")

    def add_message(self, request, level, message_template=None, message_context=None,
                    extra_tags="", message=None):  # fmt: skip
        """One message per event: where the page announces the confirmation mail itself
        (the inline email change), allauth's own "Confirmation email sent" is not added."""
        announced = getattr(request, "confirmation_announced", False)
        if announced and message_template == "account/messages/email_confirmation_sent.txt":
            return
        super().add_message(request, level, message_template, message_context, extra_tags,
                            message)  # fmt: skip

    def authenticate(self, request, **credentials):
        """allauth counts an attempt against the login limit before checking the password and
        gives it back only on success. When the check itself fails (the database is down), no
        password was wrong: give the attempt back too, so nobody is locked out after an outage."""
        try:
            return super().authenticate(request, **credentials)
        except ValidationError:
            raise  # "too many attempts": a verdict, not a failure to check
        except Exception:
            self._rollback_login_failed_rl_usage()
            raise

    def respond_user_inactive(self, request, user):
        """allauth comes here when an inactive account proved who it is without a password (a
        provider, a passkey, a code; a password fails in the backend like a wrong one): the
        page says only that the account cannot log in, and the member hears why by mail."""
        refuse_login(user=user, request=request)
        return super().respond_user_inactive(request, user)


class ProviderNotConfigured(SocialApp.DoesNotExist, Http404):
    """No app is configured for a provider: still the DoesNotExist allauth's own code catches,
    and a 404 (not a 500) wherever it is not caught."""


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        """A provider's signup shows the form instead of signing up at once: in approval mode,
        where the applicant answers the operator's question there; and when the provider's
        address is at a blocked domain, so the member gives another, told why."""
        if signup_gate(request).mode == SignupMode.APPROVAL:
            return False
        emails = [address.email for address in sociallogin.email_addresses]
        if any(blocklists.email_domain_blocked(email) for email in emails):
            messages.error(request, blocklists.BLOCKED_DOMAIN)
            return False
        return super().is_auto_signup_allowed(request, sociallogin)

    def save_user(self, request, sociallogin, form=None):
        """Under the registration mode, like the signup form (see AccountAdapter.save_user).
        The provider's addresses at blocked domains are not kept with the new account (allauth
        stores them beside the one typed on the signup form)."""
        sociallogin.email_addresses = [
            address
            for address in sociallogin.email_addresses
            if not blocklists.email_domain_blocked(address.email)
        ]
        user = sociallogin.user
        user.admitting = True
        answer = form.cleaned_data.get("answer", "") if form is not None else ""

        def save() -> None:
            super(SocialAccountAdapter, self).save_user(request, sociallogin, form)

        return _admit(request, user, answer=answer, save=save)

    def get_app(self, request, provider, client_id=None):
        """Every provider URL (login, callback, Google's token URL, by GET or POST) looks its
        app up here; a provider the deployment has not configured is not a page on this site."""
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise ProviderNotConfigured(f"No social app is configured for {provider!r}.") from None

    def populate_user(self, request, sociallogin, data):
        """Names come from the provider's claims; fit them to our columns so an unusually
        long name from a provider cannot fail the signup."""
        user = super().populate_user(request, sociallogin, data)
        # allauth validates the provider's username but keeps its own copy: store the NFKC form.
        user.username = usernames.normalize(user.username or "")
        model = get_user_model()
        for field in ("first_name", "last_name"):
            limit = model._meta.get_field(field).max_length
            setattr(user, field, (getattr(user, field) or "")[:limit])
        return user


class MFAAdapter(DefaultMFAAdapter):
    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        """A passkey prompt names the site ("Eternity"), not the host it was reached at."""
        return {**super().get_public_key_credential_rp_entity(), "name": settings.SITE_NAME}
