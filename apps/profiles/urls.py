from django.urls import path

from . import views

app_name = "profiles"

urlpatterns = [
    path("u/<str:username>/", views.profile_detail, name="detail"),
    path("u/<str:username>/followers/", views.followers, name="followers"),
    path("u/<str:username>/following/", views.following, name="following"),
    path("settings/profile/", views.settings_page, name="settings"),
    path("settings/first-steps/", views.dismiss_first_steps, name="dismiss_first_steps"),
    path("settings/profile/<slug:section>/", views.edit_section, name="edit"),
    path("settings/profile/<slug:section>/view/", views.show_section, name="show"),
    path("language/", views.set_language, name="set_language"),
    path("theme/", views.set_theme, name="set_theme"),
]
