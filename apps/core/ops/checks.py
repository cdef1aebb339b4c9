"""System checks for settings that would lose data rather than fail loudly."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def uploads_survive_a_restart(app_configs, **kwargs) -> list[Error]:
    if settings.DEBUG or not (settings.EPHEMERAL_DISK and settings.MEDIA_ON_LOCAL_DISK):
        return []
    return [
        Error(
            "Uploads would be stored on this platform's ephemeral disk and lost at the next "
            "restart.",
            hint="Set AWS_STORAGE_BUCKET_NAME and its credentials (README: Heroku), or "
            "EPHEMERAL_DISK=0 if the disk is in fact kept.",
            id="eternity.E001",
        )
    ]
