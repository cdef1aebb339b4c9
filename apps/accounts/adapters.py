"""allauth customisation through its adapter hooks, not forks."""

import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.utils import is_mfa_enabled
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import render

from . import blocklists, usernames
from .selectors import REFUSED_LOGIN_KEY


class AccountAdapter(DefaultAccountAdapter):
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

    def is_open_for_signup(self, request) -> bool:
        """Signup by email and by a provider both ask here first: a visitor from a blocked
        network gets a page that says so (403), and nothing is created."""
        if blocklists.blocked_network(request):
            page = render(request, "account/signup_refused.html",
                          {"message": blocklists.BLOCKED_NETWORK}, status=403)  # fmt: skip
            raise ImmediateHttpResponse(page)
        return super().is_open_for_signup(request)

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
        """allauth sends an inactive account here only once it proved who it is (the right
        password, a provider, a code): remember which member, for the page it redirects to
        (a suspended member reads why there, and how to appeal). Nobody else is told. allauth
        asks before the second factor: with two-factor on, the password alone proves too
        little, so such a member reads why in the email and the notification only."""
        if not is_mfa_enabled(user):
            request.session[REFUSED_LOGIN_KEY] = {"member": user.pk, "at": int(time.time())}
        return super().respond_user_inactive(request, user)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        """A provider's address at a blocked domain is not signed up with: the member goes to
        the signup form, told why, to give another address."""
        emails = [address.email for address in sociallogin.email_addresses]
        if any(blocklists.email_domain_blocked(email) for email in emails):
            messages.error(request, blocklists.BLOCKED_DOMAIN)
            return False
        return super().is_auto_signup_allowed(request, sociallogin)

    def save_user(self, request, sociallogin, form=None):
        """The provider's addresses at blocked domains are not kept with the new account
        (allauth stores them beside the one typed on the signup form)."""
        sociallogin.email_addresses = [
            address
            for address in sociallogin.email_addresses
            if not blocklists.email_domain_blocked(address.email)
        ]
        return super().save_user(request, sociallogin, form=form)

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
