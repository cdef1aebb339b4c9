"""Views that accept uploads: refuse oversized bodies without reading them."""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from .images import LimitedUploadHandler, max_upload_bytes


def limit_upload_size(
    too_large: Callable[..., HttpResponse],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view that takes an upload.

    A POST whose Content-Length is over the limit is answered by `too_large(request, ...)`
    without reading the body (and so without a CSRF check: nothing is read or changed, the
    answer is only an error message with a fresh form). Otherwise the body is read through
    LimitedUploadHandler, which stops at the limit even if Content-Length lied, and the view
    runs under the normal CSRF protection with `request.upload_too_large` telling what happened.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        protected = csrf_protect(view)

        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            request.upload_too_large = False
            if request.method == "POST":
                try:
                    length = int(request.META.get("CONTENT_LENGTH") or 0)
                except ValueError:
                    length = 0
                if length > max_upload_bytes() + settings.UPLOAD_FORM_OVERHEAD:
                    request.upload_too_large = True
                    return too_large(request, *args, **kwargs)
                request.upload_handlers = [LimitedUploadHandler(request), *request.upload_handlers]
            return protected(request, *args, **kwargs)

        return wrapper

    return decorator
