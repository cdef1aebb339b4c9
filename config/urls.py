"""Top-level URLconf. Each app owns its URLs; the paths are stable: links and tools rely on them."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("apps.core.urls")),
    path("", include("apps.profiles.urls")),
    path("", include("apps.membership.urls")),
    path("", include("apps.presence.urls")),
    path("", include("apps.feed.urls")),
    path("", include("apps.social.urls")),
    path("", include("apps.conversations.urls")),
    path("", include("apps.push.urls")),
    path("", include("apps.search.urls")),
    path("", include("apps.moderation.urls")),
    path("", include("apps.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler500 = "apps.core.web.errors.server_error"
