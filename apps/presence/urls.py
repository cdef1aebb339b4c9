from django.urls import path

from . import views

app_name = "presence"

urlpatterns = [
    path("presence/", views.poll, name="poll"),
    path("presence/appear-offline/", views.appear_offline, name="appear_offline"),
    path(
        "presence/appear-offline/stop/",
        views.stop_appearing_offline,
        name="stop_appearing_offline",
    ),
]
