from django.apps import AppConfig


class PushConfig(AppConfig):
    name = "apps.push"
    verbose_name = "Web Push"

    def ready(self) -> None:
        from apps.presence import services as presence
        from apps.social import services as social

        from . import signals

        social.when_notified(signals.notified)
        presence.when_offline(signals.went_offline)
