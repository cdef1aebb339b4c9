"""The member's own session: its language, and its last activity in "Sessions and devices"."""

from collections.abc import Callable

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from apps.core.web.heartbeat import MemberBeatMiddleware

SESSION_KEY = "_usersession_seen_at"
LANGUAGE_SESSION_KEY = "_member_language"


class MemberLanguageMiddleware:
    """A member's saved language wins over the cookie and Accept-Language (LocaleMiddleware
    handles those). It is copied into the session at login, so no query is needed here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        language = session.get(LANGUAGE_SESSION_KEY) if session is not None else None
        if language and language in dict(settings.LANGUAGES):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


class SessionActivityMiddleware(MemberBeatMiddleware):
    """Refresh the member's allauth UserSession (IP, browser, last seen) at most once per
    USER_SESSION_REFRESH_INTERVAL: "Sessions and devices" says when a device was last active
    to within a few minutes, and an open page's polls write no more than that."""

    session_key = SESSION_KEY

    @staticmethod
    def interval() -> float:
        return settings.USER_SESSION_REFRESH_INTERVAL

    def beat(self, request: HttpRequest) -> None:
        UserSession.objects.create_from_request(request)
