"""allauth's authentication backend, with the same work for every failed sign-in."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model


class AuthenticationBackend(AllauthBackend):
    def _authenticate(self, request, **credentials):
        """Check the password of at most one account, once. allauth tries a login as an email,
        then as a username, then as an email again, checking the password at each match: a
        registered address cost two hashes, an unknown one a single dummy hash. Handles cannot
        contain "@", so a login names an account one way only; with no match, allauth's
        backend hashes the password once anyway."""
        password = credentials.get("password") or ""
        email, username = credentials.get("email"), credentials.get("username")
        if email or (username and "@" in username):
            return self._authenticate_by_email(email or username, password)
        return self._authenticate_by_username(username, password)

    def _authenticate_by_email(self, email: str, password: str):
        # An account's address matches twice (its EmailAddress and User.email): check each
        # account once. Addresses are unique here; several accounts can share one only after
        # an operator's edit, and then each is still checked, as allauth does.
        for user in _accounts_with_email(email):
            if self._check_password(user, password):
                return user
        return None


def _accounts_with_email(email: str) -> list:
    """The accounts a login address names, found as allauth finds them for a login: by their
    EmailAddress rows (only the verified ones when there are any, and then nothing else), else
    also by User.email; equal once lower-cased, never by a looser Unicode match."""
    email = email.lower()
    rows = EmailAddress.objects.filter(email=email).select_related("user")
    addresses = [row for row in rows if row.email.lower() == email]
    verified = [row for row in addresses if row.verified]
    accounts = [row.user for row in verified or addresses]
    if not verified:
        users = get_user_model().objects.filter(email=email)
        accounts += [user for user in users if user.email.lower() == email]
    return list(dict.fromkeys(accounts))
