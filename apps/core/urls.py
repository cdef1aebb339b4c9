from django.conf import settings
from django.urls import path

from .app import views as app
from .ops import staticfiles
from .uploads import views as uploads
from .web import proof_of_work, who

app_name = "core"

# /healthz/, /readyz/ and /metrics are answered by ops.health.ProbeMiddleware, before URLs.
urlpatterns = [
    path("pow/challenge/", proof_of_work.challenge, name="pow_challenge"),
    path("who/", who.signed_in, name="who"),
    # The installable app: at the root, where a service worker's scope covers every page.
    path("manifest.webmanifest", app.manifest, name="manifest"),
    path("sw.js", app.service_worker, name="service_worker"),
    path("offline/", app.offline, name="offline"),
]

if settings.MEDIA_ON_LOCAL_DISK:
    # Django serves uploads where nothing in front does (make run, gunicorn alone); nginx
    # answers /media/ itself before a request gets here.
    urlpatterns.append(
        path(f"{settings.MEDIA_URL.lstrip('/')}<path:name>", uploads.media, name="media")
    )

if not settings.STATIC_URL.startswith(("http://", "https://", "//")):
    # A static file whitenoise does not have: the other release's hashed name during a rolling
    # deploy is redirected to this release's version of the file, anything else is a 404.
    urlpatterns.append(
        path(
            f"{settings.STATIC_URL.lstrip('/')}<path:name>",
            staticfiles.other_release,
            name="static_other_release",
        )
    )
