from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "apps.feed"
    verbose_name = "Feed"

    def ready(self) -> None:
        from . import signals  # noqa: F401 (connects the receivers)
