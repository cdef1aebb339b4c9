from django import forms
from django.utils.translation import gettext_lazy as _

from .models import NOTICES, Kind

# A member is always told of moderators' decisions about them.
SWITCHABLE = [(kind, label) for kind, label in Kind.choices if kind not in NOTICES]


class NotificationSettingsForm(forms.Form):
    """One checkbox per kind of notification, ticked for the kinds the member receives."""

    kinds = forms.MultipleChoiceField(
        label=_("Tell me about"),
        choices=SWITCHABLE,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    digest = forms.BooleanField(
        label=_("Email me a daily digest of unread notifications"),
        required=False,
        help_text=_("At most one email a day, only when something new is unread."),
    )

    def __init__(
        self, *args: object, muted: set[str], digest: bool = False, **kwargs: object
    ) -> None:
        kwargs.setdefault(
            "initial",
            {"kinds": [k for k, _label in SWITCHABLE if k not in muted], "digest": digest},
        )
        super().__init__(*args, **kwargs)

    def muted_kinds(self) -> list[str]:
        wanted = set(self.cleaned_data["kinds"])
        return [kind for kind, _label in SWITCHABLE if kind not in wanted]
