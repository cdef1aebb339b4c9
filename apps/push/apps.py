from django.apps import AppConfig


class PushConfig(AppConfig):
    name = "apps.push"
    verbose_name = "Web Push"
