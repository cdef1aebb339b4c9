"""The push section's addresses, under the notification settings page (social:settings)."""

from django.urls import path

from . import views

app_name = "push"

urlpatterns = [
    path("settings/notifications/push/", views.push_settings, name="settings"),
    path("settings/notifications/push/subscribe/", views.subscribe, name="subscribe"),
    path("settings/notifications/push/unsubscribe/", views.unsubscribe, name="unsubscribe"),
    path(
        "settings/notifications/push/devices/<int:subscription_id>/remove/",
        views.remove_device,
        name="remove_device",
    ),
    path(
        "settings/notifications/push/preferences/",
        views.save_preferences,
        name="save_preferences",
    ),
]
