import re
import uuid

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.core.uploads.forms import ImageUploadField
from apps.feed.forms import client_token_field

from . import selectors
from .models import GROUP_MAX_MEMBERS, TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, WhoMayWrite

IMAGE_ALT_MAX_LENGTH = 300
# Handles are separated by commas, spaces or both; a leading @ is allowed.
SEPARATORS = re.compile(r"[\s,;]+")

# The recipients' input: the datalist of people the member follows, no autocorrection.
HANDLES_INPUT = {
    "list": "people-you-follow",
    "autocomplete": "off",
    "autocapitalize": "none",
    "spellcheck": "false",
    "placeholder": "@alice, @boris",
}

UNKNOWN = _("No member is called @%(handle)s.")
YOURSELF = _("You cannot write to yourself.")


class MembersField(forms.CharField):
    """Members by their handles ("@alice, boris"): cleaned into the users, in the order
    typed, each checked to exist, be active and not be the member writing."""

    def __init__(self, *, limit: int, **kwargs: object) -> None:
        self.limit = limit
        self.viewer: AbstractBaseUser | None = None
        kwargs.setdefault("max_length", 40 * limit)
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        handles = [part.lstrip("@") for part in SEPARATORS.split(text) if part.strip("@")]
        return list(dict.fromkeys(handles))  # typed twice: once

    def validate(self, value) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")

    def clean(self, value):
        handles = super().clean(value)
        if len(handles) > self.limit:
            raise ValidationError(
                ngettext(
                    "Choose at most %(count)d member.",
                    "Choose at most %(count)d members.",
                    self.limit,
                )
                % {"count": self.limit},
                code="too_many",
            )
        found = selectors.members_named(handles)
        members, errors = [], []
        for handle in handles:
            member = found.get(str(handle).lower())
            # A suspended member reads as unknown, as their profile does (a 404).
            if member is None or not member.is_active:
                errors.append(ValidationError(UNKNOWN, code="unknown", params={"handle": handle}))
            elif self.viewer is not None and member.pk == self.viewer.pk:
                errors.append(ValidationError(YOURSELF, code="self"))
            else:
                members.append(member)
        if errors:
            raise ValidationError(errors)
        return members


def _client_token() -> forms.UUIDField:
    """A random token, new each time an empty form is shown; a form sent again (a retry)
    carries the same one, so the same start is one conversation, not two."""
    return forms.UUIDField(required=False, widget=forms.HiddenInput, initial=uuid.uuid4)


class StartConversationForm(forms.Form):
    """The first message, to one member or several (a group)."""

    to = MembersField(
        label=_("To"),
        limit=GROUP_MAX_MEMBERS - 1,
        help_text=_("Usernames, separated by commas. Several people make a group."),
        widget=forms.TextInput(attrs=HANDLES_INPUT),
    )
    title = forms.CharField(
        label=_("Group name"),
        required=False,
        max_length=TITLE_MAX_LENGTH,
        help_text=_("Optional, for a group. Without one, the group shows its members' names."),
    )
    text = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": TEXT_MAX_LENGTH}),
        help_text=_("Plain text. Links become clickable."),
    )
    image = ImageUploadField(label=_("Image"), required=False, say_optional=True)
    image_alt = forms.CharField(
        label=_("Describe the image"),
        required=False,
        max_length=IMAGE_ALT_MAX_LENGTH,
        help_text=_("For people who use a screen reader or cannot load images. Optional."),
    )
    client_token = _client_token()

    def __init__(self, *args: object, viewer: AbstractBaseUser, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].viewer = viewer

    def clean(self):
        data = super().clean()
        if (
            not data.get("text", "").strip()
            and not data.get("image")
            and not self.has_error("image")
        ):
            self.add_error("text", _("Write a message or choose an image."))
        return data


class AddMembersForm(forms.Form):
    members = MembersField(
        label=_("Add people"),
        limit=GROUP_MAX_MEMBERS - 1,
        help_text=_("Usernames, separated by commas."),
        widget=forms.TextInput(attrs=HANDLES_INPUT),
    )

    def __init__(self, *args: object, viewer: AbstractBaseUser, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].viewer = viewer


class MessageSettingsForm(forms.Form):
    who_may_write = forms.ChoiceField(
        label=_("Who may start a conversation with you"),
        choices=WhoMayWrite.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "People already in a conversation with you can keep writing in it. Blocked "
            "members can never write to you."
        ),
    )


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
        max_length=IMAGE_ALT_MAX_LENGTH,
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
