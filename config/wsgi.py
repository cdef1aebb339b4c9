"""WSGI entry point for gunicorn: `gunicorn config.wsgi`.

The site's handler serves the page's own background requests (the presence poll) through a
shorter middleware stack; see apps/core/web/lean.py."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)

from apps.core.web.lean import SiteHandler  # noqa: E402 (needs the apps loaded)

application = SiteHandler()
