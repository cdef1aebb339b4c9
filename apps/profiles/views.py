"""Profile pages and in-place editing.

One view per URL serves both the full page and its htmx fragment: section displays and section
forms are partials of profiles/profile.html, so the swap and the page render the same markup.
Without JavaScript the Edit controls are links to /settings/profile/, one form that does the
same atomic save.
"""

import logging
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import HttpResponseClientRedirect, replace_url

from apps.core.decorators import login_required_htmx, rate_limited
from apps.core.images import InvalidImage, human_size, max_upload_bytes
from apps.core.uploads import limit_upload_size
from apps.feed import selectors as feed_selectors

from . import selectors, services
from .forms import DetailsForm, EmailForm, PhotoForm, UsernameForm

logger = logging.getLogger(__name__)

INVALID = 200  # Form errors re-render the form with 200, htmx and plain requests alike.
TOO_MANY = _("Too many attempts. Wait a minute and try again; nothing was changed.")
SAVE_FAILED = _("Your changes could not be saved, and nothing was changed. Please try again.")


def _profile_of(user) -> "services.Profile":
    try:
        return user.profile
    except ObjectDoesNotExist:
        return services.ensure_profile(user=user)


def _tokens(user, profile) -> dict[str, str]:
    return {
        section: services.section_token(section, user, profile)
        for section in services.SECTION_FIELDS
    }


def _forms(user, profile, bound: dict | None = None) -> dict[str, object]:
    """Unbound forms for every section with their current values and tokens; `bound`
    replaces some with the submitted (bound) forms."""
    tokens = _tokens(user, profile)
    forms = {
        "details": DetailsForm(
            prefix="details",
            initial={
                "first_name": user.first_name,
                "last_name": user.last_name,
                "bio": profile.bio,
                "show_online_status": profile.show_online_status,
                "token": tokens["details"],
            },
        ),
        "username": UsernameForm(
            prefix="username",
            user=user,
            initial={"username": user.username, "token": tokens["username"]},
        ),
        "photo": PhotoForm(prefix="photo", initial={"token": tokens["photo"]}),
        "email": EmailForm(prefix="email", user=user),
    }
    return forms | (bound or {})


def _context(request: HttpRequest, user, profile, **extra: object) -> dict[str, object]:
    return {
        "profile_user": user,
        "profile": profile,
        "user": user,
        "is_owner": True,
        # A callable, so only the templates that show it (Email section, settings page) query.
        "pending_email": lambda: EmailAddress.objects.filter(user=user, verified=False).first(),
        "max_upload": human_size(max_upload_bytes()),
        **extra,
    }


@require_safe
def profile_detail(request: HttpRequest, username: str) -> HttpResponse:
    profile_user = selectors.get_public_user(username=username)
    if profile_user.username != username:
        return redirect(profile_user, permanent=True)
    try:
        page = feed_selectors.page_of_posts(
            viewer=request.user, author_id=profile_user.pk, cursor=request.GET.get("after")
        )
    except ValueError:
        return HttpResponseBadRequest(_("That page link is not valid."))
    posts = {"page": page, "posts": page.posts, "is_more": bool(request.GET.get("after"))}
    if request.htmx and request.GET.get("after"):
        return render(request, "feed/feed.html#page", posts | {"profile_user": profile_user})
    profile = _profile_of(profile_user)
    is_owner = request.user.is_authenticated and request.user.pk == profile_user.pk
    context = {"profile_user": profile_user, "profile": profile, "is_owner": is_owner}
    if is_owner:
        context = _context(request, profile_user, profile, forms=_forms(profile_user, profile))
    return render(request, "profiles/profile.html", context | posts)


@dataclass(frozen=True)
class Section:
    name: str
    title: str


SECTIONS = {
    name: Section(name, title)
    for name, title in [
        ("details", "Details"),
        ("photo", "Photo"),
        ("username", "Username"),
        ("email", "Email"),
    ]
}


def _section_too_large(request: HttpRequest, section: str) -> HttpResponse:
    """The body was refused unread (see limit_upload_size): the section's form, with why."""
    if section not in SECTIONS:
        raise Http404
    user = request.user
    profile = _profile_of(user)
    form = _forms(user, profile)[section]
    return _render_form(request, section, user, profile, form, error=_too_large())


@login_required_htmx
@require_http_methods(["GET", "POST"])
@limit_upload_size(too_large=_section_too_large)
@rate_limited("profile_save")
def edit_section(request: HttpRequest, section: str) -> HttpResponse:
    """GET: the section's form (htmx) or the settings page; POST: save the section."""
    if section not in SECTIONS:
        raise Http404
    user = request.user
    profile = _profile_of(user)
    if section == "email" and not user.has_usable_password():
        # No password to confirm with: allauth's page reauthenticates through the provider.
        return _leave_for(request, reverse("account_email"))
    if request.method == "GET":
        if not request.htmx:
            return redirect(f"{reverse('profiles:settings')}#{section}")
        form = _forms(user, profile)[section]
        return _render_form(request, section, user, profile, form, status=200)
    if section == "email" and not ratelimit.consume(request, action="manage_email", user=user):
        return _render_form(request, section, user, profile, _forms(user, profile)[section],
                            error=TOO_MANY)  # fmt: skip
    form = _bind(request, section, user)
    if request.upload_too_large:
        return _render_form(request, section, user, profile, form, error=_too_large())
    if not form.is_valid():
        return _render_form(request, section, user, profile, form)
    try:
        message = _save(request, section, user, form)
    except services.StaleSection:
        return _conflict(request, section, user)
    except InvalidImage as error:
        form.add_error("photo", str(error))
        return _render_form(request, section, user, profile, form)
    except ValidationError as error:
        _add_errors(form, error)
        return _render_form(request, section, user, profile, form)
    except DatabaseError:
        logger.exception("Saving profile section %s failed", section)
        form.add_error(None, SAVE_FAILED)
        return _render_form(request, section, user, profile, form)
    messages.success(request, message)
    if not request.htmx:
        request.user.refresh_from_db(fields=["username"])
        return redirect(request.user.get_absolute_url())
    return _render_saved(request, section)


@login_required_htmx
@require_safe
def show_section(request: HttpRequest, section: str) -> HttpResponse:
    """Cancel: the section as it is now, with focus back on its Edit control."""
    if section not in SECTIONS:
        raise Http404
    if not request.htmx:
        return redirect(request.user)
    user = request.user
    profile = _profile_of(user)
    context = _context(request, user, profile, focus_edit=True)
    return render(request, f"profiles/profile.html#{section}", context)


def _bind(request: HttpRequest, section: str, user):
    data, files = request.POST, request.FILES
    if section == "details":
        return DetailsForm(data, prefix="details")
    if section == "username":
        return UsernameForm(data, prefix="username", user=user)
    if section == "photo":
        return PhotoForm(data, files, prefix="photo")
    return EmailForm(user=user, data=data, prefix="email", request=request)


def _save(request: HttpRequest, section: str, user, form) -> str:
    """Call the service for one section; return the message for the user."""
    data = form.cleaned_data
    if section == "details":
        services.update_profile(
            user=user,
            tokens={"details": data["token"]},
            user_fields={"first_name": data["first_name"], "last_name": data["last_name"]},
            profile_fields={"bio": data["bio"], "show_online_status": data["show_online_status"]},
        )
        return _("Details saved.")
    if section == "username":
        services.update_profile(
            user=user,
            tokens={"username": data["token"]},
            user_fields={"username": data["username"]},
        )
        return _("Username saved.")
    if section == "photo":
        upload = data.get("photo")
        change = services.PhotoChange(upload.read() if upload else None)
        services.update_profile(user=user, tokens={"photo": data["token"]}, photo=change)
        return _("Photo saved.") if upload else _("Photo removed.")
    form.save(request)
    return _(
        "We sent a confirmation link to %(email)s. Your address changes once you follow it."
    ) % {"email": data["email"]}


def _too_large() -> str:
    return _("The file is larger than %(size)s. Nothing was changed.") % {
        "size": human_size(max_upload_bytes())
    }


def _render_form(
    request, section, user, profile, form, status=INVALID, error: str | None = None
) -> HttpResponse:
    """The section's form again: bound with what was typed and its errors, or a fresh one
    with `error` when the upload was refused before it could be read."""
    _focus_first_field(form)
    if not request.htmx:
        return _settings_page(
            request, user, profile, {section: form}, status=status, upload_error=error
        )
    context = _context(request, user, profile, forms={section: form}, form=form, upload_error=error)
    return render(request, f"profiles/profile.html#{section}_form", context, status=status)


def _focus_first_field(form) -> None:
    """htmx focuses [autofocus] after a swap: the first field with an error, else the first."""
    visible = [field.name for field in form.visible_fields()]
    invalid = [name for name in visible if name in form.errors]
    target = (invalid or visible or [None])[0]
    if target:
        form.fields[target].widget.attrs["autofocus"] = True


def _render_saved(request: HttpRequest, section: str) -> HttpResponse:
    user = selectors.get_user_with_profile(pk=request.user.pk)
    profile = _profile_of(user)
    context = _context(request, user, profile, focus_edit=True, oob=True)
    html = render_to_string(f"profiles/profile.html#{section}", context, request)
    if section in {"details", "photo", "username"}:
        # Every other copy of the name and avatar on the page: the navbar, the profile header.
        html += render_to_string("partials/navbar_user.html#navbar_identity", context, request)
    if section in {"details", "username"}:
        html += render_to_string("profiles/profile.html#identity", context, request)
    response = HttpResponse(html)
    if section == "username":
        replace_url(response, user.get_absolute_url())
    return response


def _conflict(request: HttpRequest, section: str, user) -> HttpResponse:
    """Someone changed this section after the form was opened: show the current values."""
    fresh = selectors.get_user_with_profile(pk=user.pk)
    profile = _profile_of(fresh)
    form = _forms(fresh, profile)[section]
    context = _context(request, fresh, profile, forms={section: form}, form=form, conflict=True)
    if not request.htmx:
        return _settings_page(
            request, fresh, profile, {section: form}, status=INVALID, conflict=True
        )
    return render(request, f"profiles/profile.html#{section}_form", context, status=INVALID)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _leave_for(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _settings_page(request, user, profile, bound=None, status=200, **extra) -> HttpResponse:
    context = _context(request, user, profile, forms=_forms(user, profile, bound), **extra)
    return render(request, "profiles/settings.html", context, status=status)


@login_required_htmx
@require_http_methods(["GET", "POST"])
@limit_upload_size(too_large=lambda request: _settings_too_large(request))
@rate_limited("profile_save")
def settings_page(request: HttpRequest) -> HttpResponse:
    """The no-JavaScript path: every section in one form, saved atomically (post/redirect/get)."""
    user = request.user
    profile = _profile_of(user)
    if request.method == "GET":
        return _settings_page(request, user, profile)
    bound = {
        "details": DetailsForm(request.POST, prefix="details"),
        "username": UsernameForm(request.POST, prefix="username", user=user),
        "photo": PhotoForm(request.POST, request.FILES, prefix="photo"),
    }
    photo_form = bound["photo"]
    if request.upload_too_large:
        return _settings_page(
            request, user, profile, bound, status=INVALID, upload_error=_too_large()
        )
    photo_form.is_valid()
    if "__all__" in photo_form.errors and not request.FILES:
        # On this page a photo is optional: no file simply means "keep the current one".
        photo_form.errors.pop("__all__")
    if not all(form.is_valid() for form in bound.values()):
        return _settings_page(request, user, profile, bound, status=INVALID)
    details, username = bound["details"].cleaned_data, bound["username"].cleaned_data
    upload = photo_form.cleaned_data.get("photo")
    remove = photo_form.cleaned_data.get("remove")
    tokens = {"details": details["token"], "username": username["token"]}
    change = None
    if upload or remove:
        tokens["photo"] = photo_form.cleaned_data["token"]
        change = services.PhotoChange(upload.read() if upload else None)
    try:
        services.update_profile(
            user=user,
            tokens=tokens,
            user_fields={
                "first_name": details["first_name"],
                "last_name": details["last_name"],
                "username": username["username"],
            },
            profile_fields={
                "bio": details["bio"],
                "show_online_status": details["show_online_status"],
            },
            photo=change,
        )
    except services.StaleSection as stale:
        for section in stale.sections:
            bound.pop(section, None)
        return _settings_page(request, user, profile, bound, status=INVALID, conflict=True)
    except InvalidImage as error:
        photo_form.add_error("photo", str(error))
        return _settings_page(request, user, profile, bound, status=INVALID)
    except ValidationError as error:
        _add_errors(bound["username"], error)
        return _settings_page(request, user, profile, bound, status=INVALID)
    except DatabaseError:
        logger.exception("Saving the settings page failed")
        bound["details"].add_error(None, SAVE_FAILED)
        return _settings_page(request, user, profile, bound, status=INVALID)
    messages.success(request, _("Profile saved."))
    user.refresh_from_db(fields=["username"])
    return redirect(user)


def _settings_too_large(request: HttpRequest) -> HttpResponse:
    user = request.user
    profile = _profile_of(user)
    return _settings_page(request, user, profile, status=INVALID, upload_error=_too_large())
