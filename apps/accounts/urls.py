from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("invite/<str:token>/", views.invitation, name="invitation"),
    path("accounts/signup/waiting/", views.application_waiting, name="application_waiting"),
]
