from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from . import selectors, services


@require_safe
def profile_detail(request: HttpRequest, username: str) -> HttpResponse:
    profile_user = selectors.get_public_user(username=username)
    if profile_user.username != username:
        return redirect(profile_user, permanent=True)
    try:
        profile = profile_user.profile
    except ObjectDoesNotExist:
        profile = services.ensure_profile(user=profile_user)
    return render(
        request,
        "profiles/profile.html",
        {
            "profile_user": profile_user,
            "profile": profile,
            "is_owner": request.user.is_authenticated and request.user.pk == profile_user.pk,
        },
    )
