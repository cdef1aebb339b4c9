from django import forms
from django.utils.translation import gettext_lazy as _

from .models import NOTE_MAX_LENGTH, Action, Appeal, Reason
from .selectors import KINDS


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("What is wrong with it?"), choices=Reason.choices,
                               widget=forms.RadioSelect)  # fmt: skip
    note = forms.CharField(
        label=_("Anything moderators should know (optional)"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ActionForm(forms.Form):
    """A moderator's decision on one thing in the queue, in one click: dismiss or remove.
    Removing needs a reason: it goes in the audit log and to the author's data export.
    Suspending has its own page, which spells out what it does (views.suspend)."""

    kind = forms.ChoiceField(choices=[(k, k) for k in KINDS], widget=forms.HiddenInput)
    pk = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[(a, a) for a in (Action.DISMISS, Action.REMOVE)])
    reason = forms.CharField(label=_("Why (the member reads it; kept in the audit log)"),
                             max_length=NOTE_MAX_LENGTH, required=False)  # fmt: skip

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == Action.REMOVE and not data.get("reason"):
            self.add_error("reason", _("Say why: it is kept in the audit log."))
        return data


class ReasonForm(forms.Form):
    """The reason a decision must give (suspending, lifting a suspension, deleting for
    good): it goes in the audit log."""

    reason = forms.CharField(label=_("Why (kept in the audit log)"), max_length=NOTE_MAX_LENGTH)


class ToldReasonForm(ReasonForm):
    """A reason the member is sent (suspending them): the moderator is told so."""

    reason = forms.CharField(
        label=_("Why (the member reads it; kept in the audit log)"), max_length=NOTE_MAX_LENGTH
    )


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("Why should moderators look again?"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(choices=Appeal.Outcome.choices)
    reason = forms.CharField(
        label=_("Why (the member reads it; kept in the audit log)"), max_length=NOTE_MAX_LENGTH
    )


class ApplicationDecisionForm(forms.Form):
    """Accept or turn down an application to join; the reason is optional and the applicant
    reads it."""

    decision = forms.ChoiceField(choices=[("approve", "approve"), ("refuse", "refuse")])
    reason = forms.CharField(
        label=_("Reason (optional; the applicant reads it; kept in the audit log)"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
    )
