from django import forms
from django.utils.translation import gettext_lazy as _

from apps.core.uploads.forms import ImageUploadField
from apps.feed.forms import client_token_field

from .models import TEXT_MAX_LENGTH, Message

EMPTY = _("Write a message or choose an image.")


class MessageForm(forms.Form):
    """The composer under a conversation: text, an optional image and its description."""

    text = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": TEXT_MAX_LENGTH}),
    )
    image = ImageUploadField(label=_("Image"), required=False, say_optional=True)
    image_alt = forms.CharField(
        label=_("Describe the image"),
        required=False,
        max_length=Message._meta.get_field("image_alt").max_length,
        help_text=_("For people who use a screen reader or cannot load images. Optional."),
    )
    client_token = client_token_field()

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", "composer-%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("text", "").strip() and not data.get("image") and not self.errors:
            raise forms.ValidationError(EMPTY, code="empty")
        return data
