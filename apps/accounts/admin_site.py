"""One door to the admin: staff sign in through the site's own login, never the admin's.

Django's admin has its own login form, which would bypass everything the site's login does:
allauth's failed-login limits, verified email, two-factor. Here the admin's login page only
sends people to the site's login (and back, once signed in); a member who is signed in but
not staff gets a 403 instead of a loop. Where STAFF_REQUIRE_TWO_FACTOR is on, staff without
two-factor are sent to set it up before the admin opens (the same check as the moderation
pages: accounts.selectors.needs_two_factor).
"""

from django.contrib import admin, messages
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _


class AdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        # Imported here: this module is loaded with the app registry, before any model.
        from .selectors import needs_two_factor

        return super().has_permission(request) and not needs_two_factor(request.user)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        from .selectors import needs_two_factor

        user = request.user
        if user.is_authenticated:
            if user.is_active and user.is_staff and needs_two_factor(user):
                messages.warning(request, _("Staff need two-factor authentication: switch it "
                                            "on here, then open the admin again."))  # fmt: skip
                return redirect("mfa_index")
            raise PermissionDenied  # signed in, not staff: nothing to sign in to
        index = reverse("admin:index", current_app=self.name)
        target = request.GET.get(REDIRECT_FIELD_NAME, index)
        if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
            target = index  # only paths of this site
        return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: target})}")


class AdminConfig(DjangoAdminConfig):
    default_site = "apps.accounts.admin_site.AdminSite"
