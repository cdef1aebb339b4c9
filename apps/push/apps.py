from django.apps import AppConfig


class PushConfig(AppConfig):
    name = "apps.push"
    verbose_name = "Web Push"

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401 (registers the system checks)
            signals,  # noqa: F401 (connects the receivers)
        )
