"""A model's own address, built once per object: a page of cards asks each post and author
for it several times, and reverse() is a measurable share of rendering one."""

from django.db.models import Model
from django.urls import reverse


def remembered_url(instance: Model, field: str, view: str, **kwargs: object) -> str:
    """reverse(view, kwargs=kwargs), kept on `instance` while its `field` (the value the
    address is made of, such as the username) stays the same."""
    key = getattr(instance, field)
    remembered = instance.__dict__.get("_remembered_url")
    if remembered is None or remembered[0] != key:
        remembered = instance.__dict__["_remembered_url"] = (key, reverse(view, kwargs=kwargs))
    return remembered[1]
