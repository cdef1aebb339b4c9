from django.conf import settings
from django.urls import path

from . import metrics, views

app_name = "core"

# /healthz/ is answered by LivenessMiddleware before URL resolution.
urlpatterns = [
    path("readyz/", views.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
]

if settings.MEDIA_ON_LOCAL_DISK:
    # Django serves uploads where nothing in front does (make run, gunicorn alone); nginx
    # answers /media/ itself before a request gets here.
    urlpatterns.append(
        path(f"{settings.MEDIA_URL.lstrip('/')}<path:name>", views.media, name="media")
    )
