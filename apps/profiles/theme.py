"""Light, dark or the device's setting: which theme a page is drawn in.

Members keep the choice in their profile (it follows them to every device) and in the session;
visitors in a cookie. The page is rendered with the theme already on <html>, and for "system"
a tiny script in <head> picks light or dark before anything is painted: no flash either way.
"""

from django.http import HttpRequest

from .models import Theme

THEME_SESSION_KEY = "_theme"
THEME_COOKIE = "theme"
THEME_COOKIE_AGE = 365 * 24 * 60 * 60


def current_theme(request: HttpRequest) -> str:
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        chosen = request.session.get(THEME_SESSION_KEY)
    else:
        chosen = request.COOKIES.get(THEME_COOKIE)
    return chosen if chosen in Theme.values else Theme.SYSTEM


def theme(request: HttpRequest) -> dict[str, object]:
    """Context processor: the page's theme and the choices for the footer's switcher."""
    return {"THEME": current_theme(request), "THEMES": Theme.choices}
