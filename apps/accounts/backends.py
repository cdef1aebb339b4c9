"""allauth's authentication backend, with the same work for every failed sign-in."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.account.internal.userkit import filter_users_by_email


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
        matches = filter_users_by_email(email, prefer_verified=True, for_login=True)
        for user in dict.fromkeys(matches):
            if self._check_password(user, password):
                return user
        return None
