"""Who is signed in, for a page the browser brings back from its back/forward cache: if it was
rendered for somebody else (or before a sign-out), static/js/restore.js reloads it."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def signed_in(request: HttpRequest) -> HttpResponse:
    """The signed-in member's username, or nothing for a visitor."""
    name = request.user.get_username() if request.user.is_authenticated else ""
    return HttpResponse(name, content_type="text/plain; charset=utf-8")
