from django.urls import path

from . import views

app_name = "core"

# /healthz/ is answered by LivenessMiddleware before URL resolution.
urlpatterns = [
    path("readyz/", views.readyz, name="readyz"),
]
