"""The inline-editable sections of a profile, as one table.

Each section names its form, the User and Profile fields it owns (services.section_token
reads them here), how the form starts, what a valid form changes and what else on the page
shows its data. The views look a section up here instead of branching on its name,
so a new section is one more row, not five more `if`s.
"""

from dataclasses import dataclass, field

from allauth.core import ratelimit
from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import services
from .forms import DetailsForm, EmailForm, PhotoForm, UsernameForm
from .models import Profile

# What other copies of a member's name and photo a save may have changed on the page.
NAVBAR = "partials/navbar_user.html#navbar_identity"
HEADER = "profiles/profile.html#identity"


@dataclass
class Changes:
    """The arguments of services.update_profile that valid section forms add up to."""

    tokens: dict[str, str] = field(default_factory=dict)
    user_fields: dict[str, object] = field(default_factory=dict)
    profile_fields: dict[str, object] = field(default_factory=dict)
    photo: services.PhotoChange | None = None

    def __or__(self, other: "Changes") -> "Changes":
        return Changes(
            self.tokens | other.tokens,
            self.user_fields | other.user_fields,
            self.profile_fields | other.profile_fields,
            self.photo or other.photo,
        )

    def save(self, *, user: AbstractBaseUser) -> Profile:
        return services.update_profile(
            user=user,
            tokens=self.tokens,
            user_fields=self.user_fields,
            profile_fields=self.profile_fields,
            photo=self.photo,
        )


@dataclass(frozen=True)
class Section:
    """A section whose form edits `user_fields` and `profile_fields` (and no others)."""

    name: str
    form_class: type[forms.Form]
    saved: str
    user_fields: tuple[str, ...] = ()
    profile_fields: tuple[str, ...] = ()
    refreshes: tuple[str, ...] = ()

    def form(
        self, request: HttpRequest, user, profile: Profile, *, bound: bool = False, **kwargs: object
    ) -> forms.Form:
        """The section's form: bound to the request's data, or showing the current values."""
        kwargs = {"prefix": self.name, **self.form_kwargs(request, user), **kwargs}
        if bound:
            return self.form_class(request.POST, request.FILES, **kwargs)
        return self.form_class(initial=self.initial(user, profile), **kwargs)

    def form_kwargs(self, request: HttpRequest, user) -> dict[str, object]:
        return {}

    def initial(self, user, profile: Profile) -> dict[str, object]:
        return (
            {name: getattr(user, name) for name in self.user_fields}
            | {name: getattr(profile, name) for name in self.profile_fields}
            | {"token": services.section_token(self.name, user, profile)}
        )

    def changes(self, form: forms.Form) -> Changes:
        data = form.cleaned_data
        return Changes(
            tokens={self.name: data["token"]},
            user_fields={name: data[name] for name in self.user_fields},
            profile_fields={name: data[name] for name in self.profile_fields},
        )

    def save(self, request: HttpRequest, user, form: forms.Form) -> str:
        """Save a valid form; return what to tell the member."""
        self.changes(form).save(user=user)
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
    def initial(self, user, profile: Profile) -> dict[str, object]:
        return {"token": services.section_token(self.name, user, profile)}

    def changes(self, form: forms.Form) -> Changes:
        data = form.cleaned_data
        upload = data.get("photo")
        if not upload and not data.get("remove"):
            return Changes()  # nothing chosen: keep the current photo
        return Changes(
            tokens={self.name: data["token"]},
            photo=services.PhotoChange(upload.read() if upload else None),
        )

    def save(self, request: HttpRequest, user, form: forms.Form) -> str:
        self.changes(form).save(user=user)
        return str(self.saved if form.cleaned_data.get("photo") else _("Photo removed."))


class EmailSection(Section):
    """allauth's change of address: a confirmation link, the address changes when followed."""

    def form_kwargs(self, request: HttpRequest, user) -> dict[str, object]:
        return {"user": user, "request": request}

    def form(
        self, request: HttpRequest, user, profile: Profile, *, bound: bool = False, **kwargs: object
    ) -> forms.Form:
        kwargs = {"prefix": self.name, **self.form_kwargs(request, user), **kwargs}
        return self.form_class(data=request.POST if bound else None, **kwargs)

    def save(self, request: HttpRequest, user, form: forms.Form) -> str:
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
            _("Details saved."),
            user_fields=("first_name", "last_name"),
            profile_fields=("bio", "show_online_status"),
            refreshes=(NAVBAR, HEADER),
        ),
        PhotoSection(
            "photo",
            PhotoForm,
            _("Photo saved."),
            profile_fields=("photo", "photo_thumbnail"),
            refreshes=(NAVBAR,),
        ),
        UsernameSection(
            "username",
            UsernameForm,
            _("Username saved."),
            user_fields=("username",),
            refreshes=(NAVBAR, HEADER),
        ),
        EmailSection(
            "email",
            EmailForm,
            _("We sent a confirmation link to %(email)s. Your address changes once you follow it."),
        ),
    ]
}

# The sections the settings page saves together, with how their forms differ there (email has
# a form of its own on that page): no file chosen simply keeps the current photo.
SETTINGS_PAGE: dict[str, dict[str, object]] = {
    "details": {},
    "username": {},
    "photo": {"choice_required": False},
}


def get_section(name: str) -> Section:
    try:
        return SECTIONS[name]
    except KeyError:
        raise Http404 from None
