from django import template
from django.db.models.fields.files import FieldFile
from django.urls import reverse

from apps.core.uploads import moderated

register = template.Library()


@register.filter
def media_url(file: FieldFile) -> str:
    """The address of a stored image: its public one, or, once moderators took it out of
    public view, the authorised view's (which serves only its owner and moderators)."""
    if moderated.is_moderated(file.name):
        return reverse("moderation:media", kwargs={"name": file.name})
    return file.url
