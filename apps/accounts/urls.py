from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("settings/account/", views.account, name="account"),
    path("settings/account/export/", views.export, name="export"),
    path("settings/account/delete/", views.delete, name="delete"),
]
