from django.urls import path

from . import views

app_name = "social"

urlpatterns = [
    path("u/<str:username>/follow/", views.follow, name="follow"),
    path("u/<str:username>/block/", views.block, name="block"),
    path("u/<str:username>/mute/", views.mute, name="mute"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.mark_all_read, name="mark_all_read"),
    path("settings/notifications/", views.notification_settings, name="settings"),
]
