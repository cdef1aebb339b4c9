"""What every page's templates may ask of moderation."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import holds_moderate_permission


def moderation(request: HttpRequest) -> dict[str, object]:
    """`can_moderate`: whether the user menu offers the moderation pages. Asked only where a
    template reads it (the signed-in menu), in one query, none for a superuser."""

    def can_moderate() -> bool:
        user = getattr(request, "user", None)  # none outside the middleware (render_to_string)
        return bool(
            user is not None
            and user.is_authenticated
            and user.is_active
            and holds_moderate_permission(user)
        )

    return {"can_moderate": SimpleLazyObject(can_moderate)}
