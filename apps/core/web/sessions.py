"""Django's database sessions, read in SQL: every request of a signed-in member reads its
session first, and through the ORM that read cost more than the rest of a presence poll."""

from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone

from apps.core.db import sql


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        """The session, if it exists and has not expired: the ORM's query, in SQL."""
        quote = connection.ops.quote_name
        session = sql.one(
            self.model,
            f"{quote('session_key')} = %s AND {quote('expire_date')} > %s",
            [self.session_key, sql.at(timezone.now())],
        )
        if session is None:
            self._session_key = None
        return session
