"""Form pieces shared by the apps."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .images import human_size, max_upload_bytes, too_large_message

ACCEPTED_IMAGES = "image/jpeg,image/png,image/webp,image/gif"


class ImageUploadField(forms.FileField):
    """An image upload: the browser's picker offers images, an oversized file is refused with
    the site's one size message. The bytes themselves are checked by apps.core.uploads.images."""

    widget = forms.ClearableFileInput(attrs={"accept": ACCEPTED_IMAGES})

    def __init__(self, *, say_optional: bool = False, **kwargs: object) -> None:
        help_text = (
            _("Optional. JPEG, PNG, WebP or GIF, up to {size}.")
            if say_optional
            else _("JPEG, PNG, WebP or GIF, up to {size}.")
        )
        kwargs.setdefault("help_text", format_lazy(help_text, size=human_size(max_upload_bytes())))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and upload.size > max_upload_bytes():
            raise ValidationError(too_large_message(), code="too_large")
        return upload


def refuse_upload(form: forms.Form, message: str) -> bool:
    """Show "too large" where every other problem with a file shows: under the form's file
    field (the body was refused before the form could read it). False without a file field."""
    name = next((n for n, f in form.fields.items() if isinstance(f, forms.FileField)), None)
    if name is None:
        return False
    if not form.is_bound:
        form._errors, form.cleaned_data = ErrorDict(), {}
    else:
        form.errors.pop(name, None)  # e.g. "choose a file": one was chosen, and refused
    form.add_error(name, message)
    return True
