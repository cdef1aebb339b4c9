from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from apps.core.images import human_size, max_upload_bytes

from . import services
from .models import COMMENT_MAX_LENGTH, MAX_TAGS, TEXT_MAX_LENGTH, TITLE_MAX_LENGTH


class PostForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=600,
        help_text=format_lazy(_("Up to {count}, as #tags or separated by commas."), count=MAX_TAGS),
        widget=forms.TextInput(attrs={"placeholder": "#travel, #photography"}),
    )
    text = forms.CharField(
        label=_("Text"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Plain text. Links become clickable; line breaks are kept."),
    )
    image = forms.FileField(
        label=_("Image"),
        required=False,
        help_text=format_lazy(
            _("Optional. JPEG, PNG, WebP or GIF, up to {size}."),
            size=human_size(max_upload_bytes()),
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )
    remove_image = forms.BooleanField(label=_("Remove the image"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for name in ("title", "text"):
            self.fields[name].widget.attrs["maxlength"] = self.fields[name].max_length
            self.fields[name].widget.attrs["data-counter"] = ""

    def clean_tags(self) -> list[str]:
        return services.parse_tags(self.cleaned_data["tags"])

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload and upload.size > max_upload_bytes():
            raise ValidationError(
                _("The file is larger than %(limit)s."),
                params={"limit": human_size(max_upload_bytes())},
            )
        return upload


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": COMMENT_MAX_LENGTH}),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
