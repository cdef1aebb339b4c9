from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "apps.profiles"
    verbose_name = "Profiles"

    def ready(self) -> None:
        from . import signals  # noqa: F401 (connects the receivers)
