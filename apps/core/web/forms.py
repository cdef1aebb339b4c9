"""Form helpers shared by the apps' views."""

from django import forms


def focus_first_field(form: forms.Form) -> None:
    """Mark the field htmx focuses after a swap ([autofocus]): the first one with an error,
    else the first visible one."""
    visible = [field.name for field in form.visible_fields()]
    invalid = [name for name in visible if name in form.errors]
    target = (invalid or visible or [None])[0]
    if target:
        form.fields[target].widget.attrs["autofocus"] = True
