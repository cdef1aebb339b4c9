"""allauth customisation through its adapter hooks, not forks."""

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.auth import get_user_model


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        """Names come from the provider's claims; fit them to our columns so an unusually
        long name from a provider cannot fail the signup."""
        user = super().populate_user(request, sociallogin, data)
        model = get_user_model()
        for field in ("first_name", "last_name"):
            limit = model._meta.get_field(field).max_length
            setattr(user, field, (getattr(user, field) or "")[:limit])
        return user
