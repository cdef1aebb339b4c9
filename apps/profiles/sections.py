"""The editable sections of a profile, as one table.

A row says everything about a section: its form, the User and Profile fields it owns (a save
writes those and no others, and its concurrency token covers exactly them), what to tell the
member once it is saved, what else on the page shows its data, and how its form looks where it
differs from the plain inline form. Services read the fields, views look a section up here
instead of branching on its name, templates render the row; a new section is one more row.
"""

from dataclasses import dataclass

from allauth.core import ratelimit
from django import forms
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import services
from .forms import DetailsForm, EmailForm, PhotoForm, UsernameForm
from .models import Profile

# The other copies of a member's name and photo that a save may have changed on the page.
NAVBAR = "partials/navbar_user.html#navbar_identity"
HEADER = "profiles/profile.html#identity"


@dataclass(frozen=True)
class Section:
    """A section whose form edits `user_fields` and `profile_fields` through update_profile.

    Its display is the partial `profiles/profile.html#<name>`; its form is rendered by
    `profiles/settings.html#section_form` from the presentation fields below.
    """

    name: str
    form_class: type[forms.Form]
    heading: str
    saved: str
    user_fields: tuple[str, ...] = ()
    profile_fields: tuple[str, ...] = ()
    refreshes: tuple[str, ...] = ()  # partials swapped out of band after a save
    submit_label: str = ""  # instead of "Save"
    intro: str = ""  # a template shown above the form
    fields: str = ""  # a template laying out the fields, instead of one after another
    actions: str = ""  # a template of buttons after Save
    compact: bool = False  # inline, the form is small and has no card (the photo's header)

    def form(
        self, request: HttpRequest, user, profile: Profile, *, bound: bool = False, data=None
    ) -> forms.Form:
        """The section's form: bound to the request's data (or to `data`, what was sent with
        another token), or showing the current values."""
        kwargs = {"prefix": self.name, **self.form_kwargs(request, user)}
        if bound or data is not None:
            return self.form_class(request.POST if data is None else data, request.FILES, **kwargs)
        return self.form_class(initial=self.initial(user, profile), **kwargs)

    def form_kwargs(self, request: HttpRequest, user) -> dict[str, object]:
        return {}

    def initial(self, user, profile: Profile) -> dict[str, object]:
        return (
            {name: getattr(user, name) for name in self.user_fields}
            | {name: getattr(profile, name) for name in self.profile_fields}
            | {"token": services.section_token(self.name, user, profile)}
        )

    def save(self, request: HttpRequest, form: forms.Form) -> str:
        """Save a valid form; return what to tell the member."""
        data = form.cleaned_data
        services.update_profile(
            user=request.user,
            tokens={self.name: data["token"]},
            user_fields={name: data[name] for name in self.user_fields},
            profile_fields={name: data[name] for name in self.profile_fields},
        )
        return str(self.saved)

    def elsewhere(self, user) -> str | None:
        """The page that edits this section instead, for members this form cannot serve."""
        return None

    def allowed(self, request: HttpRequest, user) -> bool:
        """Whether another attempt is allowed now (beyond the view's save limit)."""
        return True


class UsernameSection(Section):
    def form_kwargs(self, request: HttpRequest, user) -> dict[str, object]:
        return {"user": user}


class PhotoSection(Section):
    """A new picture, re-encoded by update_profile, or the current one removed."""

    def initial(self, user, profile: Profile) -> dict[str, object]:
        return {"token": services.section_token(self.name, user, profile)}

    def save(self, request: HttpRequest, form: forms.Form) -> str:
        upload = form.cleaned_data.get("photo")
        services.update_profile(
            user=request.user,
            tokens={self.name: form.cleaned_data["token"]},
            photo=services.PhotoChange(upload.read() if upload else None),
        )
        return str(self.saved if upload else _("Photo removed."))


class EmailSection(Section):
    """allauth's change of address: a confirmation link, the address changes when followed."""

    def form_kwargs(self, request: HttpRequest, user) -> dict[str, object]:
        return {"user": user, "request": request}

    def form(
        self, request: HttpRequest, user, profile: Profile, *, bound: bool = False, data=None
    ) -> forms.Form:
        kwargs = {"prefix": self.name, **self.form_kwargs(request, user)}
        if data is None and bound:
            data = request.POST
        return self.form_class(data=data, **kwargs)

    def save(self, request: HttpRequest, form: forms.Form) -> str:
        request.confirmation_announced = True  # ours says more; allauth's would be a second
        form.save(request)
        return str(self.saved) % {"email": form.cleaned_data["email"]}

    def elsewhere(self, user) -> str | None:
        # No password to confirm with: allauth's page reauthenticates through the provider.
        return None if user.has_usable_password() else reverse("account_email")

    def allowed(self, request: HttpRequest, user) -> bool:
        return ratelimit.consume(request, action="manage_email", user=user)


SECTIONS: dict[str, Section] = {
    section.name: section
    for section in [
        Section(
            "details",
            DetailsForm,
            heading=_("Edit details"),
            saved=_("Details saved."),
            user_fields=("first_name", "last_name"),
            profile_fields=("bio", "presence_audience"),
            refreshes=(NAVBAR, HEADER),
            fields="profiles/details_fields.html",
        ),
        PhotoSection(
            "photo",
            PhotoForm,
            heading=_("Profile photo"),
            saved=_("Photo saved."),
            profile_fields=("photo", "photo_thumbnail"),
            refreshes=(NAVBAR,),
            submit_label=_("Upload"),
            fields="profiles/photo_fields.html",
            actions="profiles/photo_actions.html",
            compact=True,
        ),
        UsernameSection(
            "username",
            UsernameForm,
            heading=_("Change username"),
            saved=_("Username saved."),
            user_fields=("username",),
            refreshes=(NAVBAR, HEADER),
        ),
        EmailSection(
            "email",
            EmailForm,
            heading=_("Change email"),
            saved=_(
                "We sent a confirmation link to %(email)s. Your address changes once you follow it."
            ),
            submit_label=_("Send confirmation link"),
            intro="profiles/email_intro.html",
        ),
    ]
}


def get_section(name: str) -> Section:
    try:
        return SECTIONS[name]
    except KeyError:
        raise Http404 from None
