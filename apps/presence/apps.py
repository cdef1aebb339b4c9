from django.apps import AppConfig


class PresenceConfig(AppConfig):
    name = "apps.presence"
    verbose_name = "Presence"

    def ready(self) -> None:
        from . import signals  # noqa: F401 (connects the receivers)
