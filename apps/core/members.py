"""The member a name in a URL (/u/<username>/...) stands for, looked up one way everywhere."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404

from . import usernames


def get_active_member(username: str, queryset: QuerySet | None = None):
    """Return the active user named `username`, matched like signup: whatever the case and
    Unicode form (fullwidth /u/alice/ is alice's page), on the Lower(username) index."""
    username = usernames.normalize(username)
    if not usernames.ANY_NAME.fullmatch(username):
        raise Http404  # not a name anyone can have; no query
    if queryset is None:
        queryset = get_user_model().objects.all()
    users = queryset.filter(is_active=True).annotate(handle=Lower("username"))
    return get_object_or_404(users, handle=username.lower())
