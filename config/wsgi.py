"""WSGI entry point for gunicorn: `gunicorn config.wsgi`.

The site's handler serves the page's own background requests (the presence poll) through a
shorter middleware stack; see apps/core/web/lean.py. Settings that would lose data (system
checks tagged "startup", apps/core/ops/checks.py) stop the server before it serves anything."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)

from apps.core.ops.checks import refuse_a_broken_start  # noqa: E402 (needs the apps loaded)
from apps.core.web.lean import SiteHandler  # noqa: E402

refuse_a_broken_start()
application = SiteHandler()
