from django import forms
from django.core.exceptions import ValidationError

from apps.core.images import human_size, max_upload_bytes

from . import services
from .models import COMMENT_MAX_LENGTH, MAX_TAGS, TEXT_MAX_LENGTH, TITLE_MAX_LENGTH


class PostForm(forms.Form):
    title = forms.CharField(label="Title", max_length=TITLE_MAX_LENGTH)
    tags = forms.CharField(
        label="Tags",
        required=False,
        max_length=600,
        help_text=f"Up to {MAX_TAGS}, as #tags or separated by commas.",
        widget=forms.TextInput(attrs={"placeholder": "#travel, #photography"}),
    )
    text = forms.CharField(
        label="Text",
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Plain text. Links become clickable; line breaks are kept.",
    )
    image = forms.FileField(
        label="Image",
        required=False,
        help_text=f"Optional. JPEG, PNG, WebP or GIF, up to {human_size(max_upload_bytes())}.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )
    remove_image = forms.BooleanField(label="Remove the image", required=False)

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
            raise ValidationError(f"The file is larger than {human_size(max_upload_bytes())}.")
        return upload


class CommentForm(forms.Form):
    text = forms.CharField(
        label="Comment",
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": COMMENT_MAX_LENGTH}),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
