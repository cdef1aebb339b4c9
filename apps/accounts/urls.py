from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("invite/<str:token>/", views.invitation, name="invitation"),
    # Before allauth's own page at the same address (config/urls.py includes ours first).
    path("accounts/sessions/", views.session_list, name="session_list"),
    path("accounts/sessions/end/", views.end_session, name="end_session"),
    path("accounts/signup/waiting/", views.application_waiting, name="application_waiting"),
]
