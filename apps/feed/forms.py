import uuid

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from apps.core.uploads.forms import ImageUploadField

from . import services
from .models import (
    COMMENT_MAX_LENGTH,
    IMAGE_ALT_MAX_LENGTH,
    MAX_TAGS,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Comment,
)


def client_token_field() -> forms.UUIDField:
    """A hidden random token, new each time an empty form is rendered. A form sent again (a
    retry after no answer) carries the same one, so the server can tell it already saved it;
    the next new comment or post gets a form with a new token."""
    return forms.UUIDField(required=False, widget=forms.HiddenInput, initial=uuid.uuid4)


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
    image = ImageUploadField(label=_("Image"), required=False, say_optional=True)
    image_alt = forms.CharField(
        label=_("Describe the image"),
        required=False,
        max_length=IMAGE_ALT_MAX_LENGTH,
        help_text=_("For people who use a screen reader or cannot load images. Optional."),
    )
    remove_image = forms.BooleanField(label=_("Remove the image"), required=False)
    client_token = client_token_field()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for name in ("title", "text"):
            self.fields[name].widget.attrs["maxlength"] = self.fields[name].max_length
            self.fields[name].widget.attrs["data-counter"] = ""

    def clean_tags(self) -> list[str]:
        return services.parse_tags(self.cleaned_data["tags"])


class CommentForm(forms.Form):
    """A comment; with `parent`, a reply in that comment's thread."""

    text = forms.CharField(
        label=_("Comment"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": COMMENT_MAX_LENGTH}),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    client_token = client_token_field()

    @classmethod
    def for_reply(cls, parent: Comment, data=None) -> "CommentForm":
        """The inline form under a thread, labelled with whom it answers."""
        form = cls(data, initial={"parent": parent.pk}, auto_id=f"reply-%s-{parent.pk}")
        form.fields["text"].label = _("Reply to %(name)s") % {"name": parent.author.display_name}
        return form

    @classmethod
    def for_edit(cls, comment: Comment, data=None) -> "CommentForm":
        form = cls(data, initial={"text": comment.text}, auto_id=f"comment-edit-%s-{comment.pk}")
        form.fields["text"].label = _("Edit your comment")
        del form.fields["parent"], form.fields["client_token"]
        return form
