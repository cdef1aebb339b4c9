"""View decorators shared by the apps."""

from functools import wraps

from allauth.core.internal import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.utils.translation import gettext_lazy as _
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


def rate_limited(action: str, *, refused=None, methods: tuple[str, ...] = ("POST",)):
    """Limit a view's POSTs (or other `methods`) per user and per IP, with the rates in
    settings.ACCOUNT_RATE_LIMITS[action], counted in the shared cache (allauth's counters), so
    the limits hold across gunicorn workers and machines. Apply it inside CSRF protection.

    Over the limit, htmx requests keep their page and get a toast; a plain form POST gets
    `refused(request, *args, **kwargs)` when given (the form again, with what was typed),
    else the 429 page. Either way the view does not run."""

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.method in methods and not ratelimit.consume(
                request,
                app="allauth.account",  # the rates are in ACCOUNT_RATE_LIMITS
                action=action,
                user=request.user,
                limit_get=True,  # allauth counts only writes unless asked
            ):
                if refused is not None and not getattr(request, "htmx", False):
                    return refused(request, *args, **kwargs)
                return too_many_requests(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


TOO_OFTEN = _("You are doing that too often. Wait a minute and try again; nothing was changed.")


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """htmx: keep the page as it is and say why in a toast; otherwise a 429 page."""
    message = TOO_OFTEN
    if getattr(request, "htmx", False):
        messages.warning(request, message)
        response = HttpResponse("")
        response["HX-Reswap"] = "none"
        return response
    return render(request, "429.html", {"message": message}, status=429)
