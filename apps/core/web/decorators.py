"""View decorators shared by the apps."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect

from .http import local_path


def login_required_htmx(view):
    """login_required that sends htmx requests to the login page as a whole-page redirect
    (HX-Redirect) instead of swapping the login page into a section."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        home = resolve_url(settings.LOGIN_REDIRECT_URL)
        if request.htmx:
            try:
                back = request.htmx.current_url_abs_path or home
            except ValueError:  # a malformed HX-Current-URL header
                back = home
            return HttpResponseClientRedirect(redirect_to_login(back)["Location"])
        if request.method != "GET":
            # After logging in the browser GETs `next`: send it back to the page it was on,
            # not to an address that only accepts POST.
            referer = local_path(request, request.headers.get("Referer", ""))
            return redirect_to_login(referer or home)
        return redirect_to_login(request.get_full_path())

    return wrapper


def kept_for_back(view):
    """The page may be kept in the tab's back/forward cache, so Back shows it where the reader
    was, with what they had loaded and opened. `no-store` (every other page, see
    FreshPagesMiddleware) makes Chrome refuse that cache; `private, no-cache` lets the page in
    while no shared cache may keep it and every ordinary visit asks the server again. A
    sign-in or sign-out clears the browser's copies (Clear-Site-Data, FreshPagesMiddleware) and
    static/js/restore.js asks who is signed in when such a page comes back. htmx fragments
    keep `no-store`: only the document itself decides."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        # A view that set its own (a member's own profile, which shows their addresses) wins.
        if (
            not getattr(request, "htmx", False)
            and response.status_code == 200
            and "Cache-Control" not in response
        ):
            response["Cache-Control"] = "private, no-cache"
        return response

    return wrapper
