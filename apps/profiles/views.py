"""Profile pages and in-place editing.

One view per URL serves both the full page and its htmx fragment: section displays and section
forms are partials of profiles/profile.html, so the swap and the page render the same markup.
What differs between sections lives in sections.SECTIONS. Without JavaScript the Edit controls
are links to /settings/profile/, one form that does the same atomic save.
"""

import logging
from collections.abc import Callable

from allauth.account.models import EmailAddress
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, replace_url

from apps.accounts import services as accounts
from apps.accounts.middleware import LANGUAGE_SESSION_KEY
from apps.core.db.paging import requested_page, wants_fragment
from apps.core.uploads.forms import refuse_upload
from apps.core.uploads.images import (
    InvalidImage,
    NotStored,
    human_size,
    max_upload_bytes,
    too_large_message,
)
from apps.core.uploads.limits import limit_upload_size
from apps.core.web.decorators import login_required_htmx
from apps.core.web.forms import focus_first_field
from apps.core.web.http import local_path
from apps.core.web.ratelimit import rate_limited
from apps.feed import selectors as feed_selectors
from apps.social import selectors as social_selectors

from . import selectors, services
from .models import Profile, Theme
from .sections import SECTIONS, SETTINGS_PAGE, Changes, Section, get_section
from .theme import THEME_COOKIE, THEME_COOKIE_AGE, THEME_SESSION_KEY

logger = logging.getLogger(__name__)

TOO_MANY = _("Too many attempts. Wait a minute and try again; nothing was changed.")
SAVE_FAILED = _("Your changes could not be saved, and nothing was changed. Please try again.")


# --- The profile page ------------------------------------------------------------------------


@require_safe
def profile_detail(request: HttpRequest, username: str) -> HttpResponse:
    profile_user = selectors.get_public_user(username=username)
    if profile_user.username != username:
        return redirect(profile_user, permanent=True)
    page = requested_page(
        request,
        lambda cursor: feed_selectors.page_of_posts(
            viewer=request.user, author_id=profile_user.pk, cursor=cursor
        ),
    )
    if wants_fragment(request, page):
        return render(request, "feed/feed.html#page", {"page": page, "profile_user": profile_user})
    profile = _profile_of(profile_user)
    if request.user.is_authenticated and request.user.pk == profile_user.pk:
        context = _owner_context(
            profile_user, profile, forms=_forms(request, profile_user, profile)
        )
    else:
        context = {"profile_user": profile_user, "profile": profile, "is_owner": False}
    context |= {
        "page": page,
        "relation": social_selectors.relationship(request.user, profile_user),
        "counts": social_selectors.follow_counts(profile_user),
    }
    return render(request, "profiles/profile.html", context)


def _people(request: HttpRequest, username: str, which: str) -> HttpResponse:
    """The members following `username` ("followers") or followed by them ("following")."""
    profile_user = selectors.get_public_user(username=username)
    if profile_user.username != username:
        return redirect("profiles:" + which, username=profile_user.username, permanent=True)
    fetch = (
        social_selectors.followers_page if which == "followers" else social_selectors.following_page
    )
    page = requested_page(
        request, lambda cursor: fetch(profile_user, viewer=request.user, cursor=cursor)
    )
    followed = social_selectors.followed_among(request.user, [person.pk for person in page.items])
    for person in page.items:
        person.can_follow = request.user.is_authenticated and person.pk != request.user.pk
        person.follows = person.pk in followed
    context = {"profile_user": profile_user, "page": page, "which": which}
    if wants_fragment(request, page):
        return render(request, "profiles/people.html#page", context)
    return render(request, "profiles/people.html", context)


@require_safe
def followers(request: HttpRequest, username: str) -> HttpResponse:
    return _people(request, username, "followers")


@require_safe
def following(request: HttpRequest, username: str) -> HttpResponse:
    return _people(request, username, "following")


def _profile_of(user) -> Profile:
    try:
        return user.profile
    except ObjectDoesNotExist:
        return services.ensure_profile(user=user)


def _owner_context(user, profile: Profile, **extra: object) -> dict[str, object]:
    """What the owner's own profile and settings pages show, besides the public part."""
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


def _forms(request: HttpRequest, user, profile: Profile, **bound: forms.Form) -> dict:
    """Every section's form with the current values; `bound` replaces some with the
    submitted ones."""
    return {name: section.form(request, user, profile) for name, section in SECTIONS.items()} | (
        bound
    )


# --- Editing one section in place ------------------------------------------------------------


def _section_too_large(request: HttpRequest, section: str) -> HttpResponse:
    """The body was refused unread (see limit_upload_size): the section's form, with why."""
    found = get_section(section)
    profile = _profile_of(request.user)
    form = found.form(request, request.user, profile)
    return _too_large(request, found, profile, form)


@sensitive_post_parameters("email-password")
@login_required_htmx
@require_http_methods(["GET", "POST"])
@limit_upload_size(too_large=_section_too_large)
@rate_limited("profile_save")
def edit_section(request: HttpRequest, section: str) -> HttpResponse:
    """GET: the section's form (htmx) or the settings page; POST: save the section."""
    found = get_section(section)
    user = request.user
    profile = _profile_of(user)
    if url := found.elsewhere(user):
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if request.method == "GET":
        if not request.htmx:
            return redirect(f"{reverse('profiles:settings')}#{found.name}")
        return _render_form(request, found, profile, found.form(request, user, profile))
    if not found.allowed(request, user):
        form = found.form(request, user, profile)
        return _render_form(request, found, profile, form, form_error=TOO_MANY)
    form = found.form(request, user, profile, bound=True)
    if request.upload_too_large:
        return _too_large(request, found, profile, form)
    if not form.is_valid():
        return _render_form(request, found, profile, form)
    old_url = user.get_absolute_url()
    try:
        message = _save_or_report(lambda: found.save(request, user, form), [form])
    except services.StaleSection:
        return _conflict(request, found)
    if message is None:
        return _render_form(request, found, profile, form)
    messages.success(request, message)
    fresh = selectors.get_user_with_profile(pk=user.pk)
    if not request.htmx:
        return redirect(fresh)
    response = _render_saved(request, found, fresh)
    if fresh.get_absolute_url() != old_url:
        replace_url(response, fresh.get_absolute_url())
    return response


@login_required_htmx
@require_safe
def show_section(request: HttpRequest, section: str) -> HttpResponse:
    """Cancel: the section as it is now, with focus back on its Edit control."""
    found = get_section(section)
    if not request.htmx:
        return redirect(request.user)
    context = _owner_context(request.user, _profile_of(request.user), focus_edit=True)
    return render(request, f"profiles/profile.html#{found.name}", context)


def _too_large(request: HttpRequest, section: Section, profile: Profile, form: forms.Form):
    message = too_large_message()
    if refuse_upload(form, message):
        return _render_form(request, section, profile, form)
    return _render_form(request, section, profile, form, form_error=message)


def _render_form(
    request: HttpRequest, section: Section, profile: Profile, form: forms.Form, **extra: object
) -> HttpResponse:
    """The section's form again: bound with what was typed and its errors, or a fresh one
    with `form_error` when the request was refused before the form could be read."""
    focus_first_field(form)
    user = request.user
    if not request.htmx:
        return _settings_page(request, user, profile, {section.name: form}, **extra)
    context = _owner_context(user, profile, forms={section.name: form}, form=form, **extra)
    return render(request, f"profiles/profile.html#{section.name}_form", context)


def _render_saved(request: HttpRequest, section: Section, user) -> HttpResponse:
    """The saved section, and out of band every other copy of what it changed."""
    context = _owner_context(user, _profile_of(user), focus_edit=True, oob=True)
    html = render_to_string(f"profiles/profile.html#{section.name}", context, request)
    for partial in section.refreshes:
        html += render_to_string(partial, context, request)
    return HttpResponse(html)


def _conflict(request: HttpRequest, section: Section) -> HttpResponse:
    """Someone changed this section after the form was opened: show the current values."""
    fresh = selectors.get_user_with_profile(pk=request.user.pk)
    profile = _profile_of(fresh)
    form = section.form(request, fresh, profile)
    if not request.htmx:
        return _settings_page(request, fresh, profile, {section.name: form}, conflict=True)
    context = _owner_context(fresh, profile, forms={section.name: form}, form=form, conflict=True)
    return render(request, f"profiles/profile.html#{section.name}_form", context)


def _save_or_report[T](save: Callable[[], T], targets: list[forms.Form]) -> T | None:
    """Run `save` and return what it returns; on a failure the member can act on, put the
    message on the form that has the field (else the first) and return None. StaleSection
    propagates: the caller shows the current values instead."""
    try:
        return save()
    except InvalidImage as error:
        _report(targets, {"photo": [str(error)]})
    except NotStored as error:
        _report(targets, {None: [str(error)]})
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        _report(targets, errors)
    except DatabaseError:
        logger.exception("Saving a profile failed")
        _report(targets, {None: [SAVE_FAILED]})
    return None


def _report(targets: list[forms.Form], errors: dict[str | None, list[str]]) -> None:
    for name, texts in errors.items():
        owner = next((form for form in targets if name in form.fields), None)
        if owner is None:
            targets[0].add_error(None, texts)
        else:
            owner.add_error(name, texts)


# --- The settings page: every section in one form, without JavaScript -----------------------


def _settings_page(
    request: HttpRequest, user, profile: Profile, bound: dict | None = None, **extra: object
) -> HttpResponse:
    context = _owner_context(
        user, profile, forms=_forms(request, user, profile, **(bound or {})), **extra
    )
    return render(request, "profiles/settings.html", context)


def _settings_too_large(request: HttpRequest) -> HttpResponse:
    return _settings_page(
        request, request.user, _profile_of(request.user), form_error=too_large_message()
    )


@login_required_htmx
@require_http_methods(["GET", "POST"])
@limit_upload_size(too_large=_settings_too_large)
@rate_limited("profile_save")
def settings_page(request: HttpRequest) -> HttpResponse:
    """The no-JavaScript path: every section in one form, saved atomically (post/redirect/get)."""
    user = request.user
    profile = _profile_of(user)
    if request.method == "GET":
        return _settings_page(request, user, profile)
    bound = {
        name: SECTIONS[name].form(request, user, profile, bound=True, **form_kwargs)
        for name, form_kwargs in SETTINGS_PAGE.items()
    }
    if request.upload_too_large:
        refuse_upload(bound["photo"], too_large_message())
        return _settings_page(request, user, profile, bound)
    if not all(form.is_valid() for form in bound.values()):
        return _settings_page(request, user, profile, bound)
    changes = Changes()
    for name, form in bound.items():
        changes |= SECTIONS[name].changes(form)
    try:
        saved = _save_or_report(lambda: changes.save(user=user), list(bound.values()))
    except services.StaleSection as stale:
        for name in stale.sections:
            bound.pop(name, None)  # show the current values of what changed elsewhere
        return _settings_page(request, user, profile, bound, conflict=True)
    if saved is None:
        return _settings_page(request, user, profile, bound)
    messages.success(request, _("Profile saved."))
    user.refresh_from_db(fields=["username"])
    return redirect(user)


# --- Language and theme ----------------------------------------------------------------------
# The footer's switchers, with or without JavaScript. Members keep their choice in their
# profile (it follows them to other devices) and in their session, not in a cookie, so the
# next person on a shared computer does not inherit it after logout; visitors in a cookie.


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(_("Unknown language."))
    return _remember(
        request, language, session_key=LANGUAGE_SESSION_KEY,
        save=lambda member: accounts.set_language(user=member, language=language),
        cookie=settings.LANGUAGE_COOKIE_NAME, max_age=settings.LANGUAGE_COOKIE_AGE,
    )  # fmt: skip


@require_POST
def set_theme(request: HttpRequest) -> HttpResponse:
    theme = request.POST.get("theme", "")
    if theme not in Theme.values:
        return HttpResponseBadRequest(_("Unknown theme."))
    return _remember(
        request, theme, session_key=THEME_SESSION_KEY,
        save=lambda member: services.set_theme(user=member, theme=theme),
        cookie=THEME_COOKIE, max_age=THEME_COOKIE_AGE,
    )  # fmt: skip


def _remember(request: HttpRequest, value: str, *, save: Callable, session_key: str,
              cookie: str, max_age: int) -> HttpResponse:  # fmt: skip
    response = HttpResponseRedirect(local_path(request, request.POST.get("next", "")) or "/")
    if request.user.is_authenticated:
        save(request.user)
        request.session[session_key] = value
        return response
    response.set_cookie(cookie, value, max_age=max_age, secure=settings.SESSION_COOKIE_SECURE,
                        samesite="Lax", httponly=True)  # fmt: skip
    return response
