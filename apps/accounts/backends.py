"""allauth's authentication backend, with the same work and the same answer for every failed
sign-in: an unknown account, a wrong password, and the right password for an account that may
not log in (suspended, closed) all fail alike."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import connection

from apps.core.db import sql

from .signals import refuse_login


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id):
        """The member a session names, as Django's backend finds them (None when they may not
        log in), read in SQL: every request of a signed-in member asks."""
        User = get_user_model()
        column = connection.ops.quote_name(User._meta.pk.column)
        user = sql.one(User, f"{column} = %s", [user_id])
        return user if user is not None and self.user_can_authenticate(user) else None

    def _authenticate(self, request, **credentials):
        """Check the password of at most one account, once. allauth tries a login as an email,
        then as a username, then as an email again, checking the password at each match: a
        registered address cost two hashes, an unknown one a single dummy hash. Handles cannot
        contain "@", so a login names an account one way only; with no match, allauth's
        backend hashes the password once anyway."""
        self._request = request
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

    def _check_password(self, user, password: str):
        """One hash, and a failure for an account that may not log in even with the right
        password. allauth keeps such an account aside to show it its "inactive" page, which
        told anyone holding a password whether it was right (an oracle for suspended
        accounts). Here it fails like a wrong password: same form error, same count against
        the failed-login limit; the member hears why by mail (login_refused)."""
        if user is None:
            return None
        self._did_check_password = True
        if not user.check_password(password):
            return None
        if self.user_can_authenticate(user):
            return user
        refuse_login(user=user, request=getattr(self, "_request", None))
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
