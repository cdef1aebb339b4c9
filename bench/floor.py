"""The floor: the least a Django view can cost. One view returning "ok", no middleware, no
database, no templates; `make bench` serves it with the site's own gunicorn settings and
states every page's speed as a share of this one's."""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-floor-not-secret",  # noqa: S106 (a throwaway project on loopback)
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
)


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("", ok), path("healthz/", ok)]

application = get_wsgi_application()
