from django.urls import path

from . import views

app_name = "moderation"
urlpatterns = [
    path("report/<str:kind>/<int:pk>/", views.report, name="report"),
    path("report/<str:kind>/<int:pk>/sent/", views.report_sent, name="report_sent"),
    path("moderation/", views.queue, name="queue"),
    path("moderation/act/", views.act, name="act"),
    path("moderation/suspend/<str:kind>/<int:pk>/", views.suspend, name="suspend"),
    path("moderation/suspended/", views.suspended, name="suspended"),
    path("moderation/suspended/<int:pk>/lift/", views.reinstate, name="reinstate"),
    path("moderation/log/", views.log, name="log"),
    path("moderation/media/<path:name>", views.media, name="media"),
    path("moderation/appeals/", views.appeals, name="appeals"),
    path("moderation/appeals/<int:pk>/decide/", views.decide_appeal, name="decide_appeal"),
    path("moderation/applications/", views.applications, name="applications"),
    path(
        "moderation/applications/<int:pk>/decide/",
        views.decide_application,
        name="decide_application",
    ),
    path("appeal/<str:token>/", views.appeal, name="appeal"),
]
