"""Form helpers shared by the apps' views."""

import json

from django import forms
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.core.ops.staticfiles import same_origin_static

from . import proof_of_work


def focus_first_field(form: forms.Form) -> None:
    """Mark the field htmx focuses after a swap ([autofocus]): the first one with an error,
    else the first visible one."""
    visible = [field.name for field in form.visible_fields()]
    invalid = [name for name in visible if name in form.errors]
    target = (invalid or visible or [None])[0]
    if target:
        form.fields[target].widget.attrs["autofocus"] = True


# The ALTCHA widget's own words (its `strings`), in the page's language.
WIDGET_STRINGS = {
    "label": _("I am not a robot"),
    "verifying": _("Checking…"),
    "verified": _("Checked: you can send the form"),
    "error": _("The check did not work. Reload the page to try again."),
    "expired": _("The check has expired. Tick the box to check again."),
    "waitAlert": _("Checking… please wait."),
    "verificationRequired": _("Wait until the check that you are not a robot is done."),
    "loading": _("Loading…"),
    "reload": _("Reload"),
    "ariaLinkLabel": _("About ALTCHA (opens in a new tab)"),
    "footer": "",
}


class ProofOfWorkWidget(forms.Widget):
    """The vendored ALTCHA widget (static/vendor/altcha/): it fetches a challenge from
    core:pow_challenge as soon as the page loads, solves it in Web Workers and puts the answer
    in a hidden input named like the field. Its own checkbox carries the label (the widget's
    state), static/js/proof_of_work.js says each state aloud, and its words come from our
    translations. Without JavaScript a note says that the form cannot be sent."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        widget_id = f"{(attrs or {}).get('id') or f'id_{name}'}-widget"
        return format_html(
            '<link rel="stylesheet" href="{css}">'
            '<script src="{status_js}" defer></script>'
            '<script type="module" src="{js}"></script>'
            '<altcha-widget id="{id}" name="{name}" challengeurl="{url}"'
            ' workerurl="{worker}" auto="onload" hidefooter hidelogo strings="{strings}">'
            "</altcha-widget>"
            '<p class="visually-hidden" role="status" id="{id}-status"></p>'
            '<noscript><p class="alert alert-warning mt-2 mb-0">{nojs}</p></noscript>',
            css=static("vendor/altcha/altcha.css"),
            status_js=static("js/proof_of_work.js"),
            # A worker's script must come from the page's origin, and a module script from
            # elsewhere would need CORS headers: both stay on the site when pages link the bucket.
            js=same_origin_static("vendor/altcha/altcha.js"),
            worker=same_origin_static("vendor/altcha/worker.js"),
            id=widget_id,
            name=name,
            url=reverse("core:pow_challenge"),
            strings=json.dumps(
                {key: str(text) for key, text in WIDGET_STRINGS.items()}, ensure_ascii=False
            ),
            nojs=_(
                "This form needs JavaScript: your browser solves a small puzzle that shows it "
                "is not a robot. Turn JavaScript on for this site, or use a browser that has it."
            ),
        )

    def value_from_datadict(self, data, files, name) -> str | None:
        return data.get(name)


class ProofOfWorkField(forms.Field):
    """The answer to a proof-of-work challenge (apps/core/web/proof_of_work.py), accepted
    once. The widget labels itself, so the field has no label of its own."""

    widget = ProofOfWorkWidget

    def __init__(self, **kwargs: object) -> None:
        super().__init__(label="", required=False, **kwargs)

    def clean(self, value: object) -> None:
        try:
            proof_of_work.verify(value if isinstance(value, str) else None)
        except proof_of_work.Refused as refused:
            raise forms.ValidationError(refused.message, code="proof_of_work") from None


class HoneypotWidget(forms.TextInput):
    """A text box that people never see or reach: off screen, hidden from screen readers, out
    of the tab order, never autofilled, and labelled "leave empty" for anyone who finds it.
    Form fillers that complete every input fill it. Rendered as a hidden field, so form
    layouts (crispy) add no label or wrapper of their own."""

    is_hidden = True

    def render(self, name, value, attrs=None, renderer=None) -> str:
        attrs = {**(attrs or {}), "tabindex": "-1", "autocomplete": "off"}
        widget_id = attrs.get("id") or f"id_{name}"
        return format_html(
            '<div class="visually-hidden" aria-hidden="true">'
            '<label for="{id}">{label}</label>{input}</div>',
            id=widget_id,
            label=_("Leave this field empty"),
            input=super().render(name, "", {**attrs, "id": widget_id}, renderer),
        )


class HoneypotField(forms.CharField):
    """Empty for people (see HoneypotWidget). The form refuses itself when it is filled in,
    with HONEYPOT_REFUSED among its own errors: a hidden field's errors are not shown."""

    widget = HoneypotWidget

    def __init__(self, **kwargs: object) -> None:
        super().__init__(label="", required=False, strip=False, max_length=None, **kwargs)


HONEYPOT_REFUSED = _("This form could not be accepted. Reload the page and try again.")
