from django.urls import path

from . import views

app_name = "membership"

urlpatterns = [
    path("settings/account/", views.account, name="account"),
    path("settings/account/export/", views.export_data, name="export_data"),
    path("settings/account/delete/", views.delete_account, name="delete_account"),
    path("settings/invitations/", views.invitations, name="invitations"),
    path(
        "settings/invitations/<int:pk>/revoke/", views.revoke_invitation, name="revoke_invitation"
    ),
]
