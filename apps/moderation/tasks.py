"""Moderation's upkeep run by the worker: images whose move after a decision failed."""

from django.tasks import task

from apps.core.jobs.periodic import every
from apps.feed import services as feed
from apps.profiles import services as profiles


@every(seconds=60 * 60)
@task
def place_moderated_images() -> str:
    """Move the images the storage failed to move after a removal, a suspension or a
    reinstatement (each decision moves them at once; this only mends failures)."""
    return f"{feed.place_images() + profiles.place_photos()} image file(s) moved"
