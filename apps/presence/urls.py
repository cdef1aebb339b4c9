from django.urls import path

from . import views

app_name = "presence"

urlpatterns = [path("presence/", views.poll, name="poll")]
