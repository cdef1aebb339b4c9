from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    """Names the templates need on every page."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_DOMAIN": settings.SITE_DOMAIN,  # the site's host (and port), as members know it
        "PRESENCE_POLL_INTERVAL": settings.PRESENCE_POLL_INTERVAL,
    }
