from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = "Core"

    def ready(self) -> None:
        from .ops import (
            checks,  # noqa: F401 (registers the system checks)
            metrics,  # noqa: F401 (connects the login counters)
        )
