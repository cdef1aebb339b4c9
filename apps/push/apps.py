from django.apps import AppConfig


class PushConfig(AppConfig):
    name = "apps.push"
    verbose_name = "Web Push"

    def ready(self) -> None:
        from apps.presence import services as presence
        from apps.social import services as social

        from . import (
            checks,  # noqa: F401 (registers the system checks)
            signals,  # noqa: F401 (connects the receivers)
            tasks,
        )

        # Told through the hooks of the apps below, which may not import this one.
        social.when_notified(tasks.notified)
        presence.when_offline(tasks.went_offline)
