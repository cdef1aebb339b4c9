from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "apps.social"
    verbose_name = "Social"

    def ready(self) -> None:
        from . import signals, targets  # noqa: F401 (signals connects the login receiver)
        from .models import Follow

        # A follow's notification links to the new follower's profile.
        targets.register(
            Follow,
            select_related=("follower", "followee"),
            link=lambda f: f.follower.get_absolute_url(),
        )
