"""Demo content for local development. Every step is idempotent."""

from django.contrib.sites.models import Site
from django.db import transaction


@transaction.atomic
def load_demo_data() -> list[str]:
    Site.objects.update_or_create(pk=1, defaults={"domain": "localhost:8000", "name": "Eternity"})
    return ["Demo data is in place."]
