"""Profile pages and in-place editing.

One view per URL serves both the full page and its htmx fragment. A section's display is a
partial of profiles/profile.html and its form a partial of profiles/settings.html, so the swap
and the page render the same markup. A section saves only at its own URL: htmx swaps its form in
and the saved section back; without JavaScript that URL is a page with the same form, and the
settings page is every section's form, each posting there. What differs between sections lives
in sections.SECTIONS.
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
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, replace_url

from apps.accounts import services as accounts
from apps.accounts.middleware import LANGUAGE_SESSION_KEY
from apps.core.db.paging import requested_page, wants_fragment
from apps.core.uploads.forms import refuse_upload
from apps.core.uploads.images import InvalidImage, NotStored, too_large_message
from apps.core.uploads.limits import limit_upload_size
from apps.core.web.decorators import kept_for_back, login_required_htmx
from apps.core.web.forms import focus_first_field
from apps.core.web.http import local_path
from apps.core.web.ratelimit import rate_limited
from apps.feed import selectors as feed_selectors
from apps.social import selectors as social_selectors

from . import selectors, services
from .models import Profile, Theme
from .sections import SECTIONS, Section, get_section
from .theme import THEME_COOKIE, THEME_COOKIE_AGE, THEME_SESSION_KEY

logger = logging.getLogger(__name__)

TOO_MANY = _("Too many attempts. Wait a minute and try again; nothing was changed.")
SAVE_FAILED = _("Your changes could not be saved, and nothing was changed. Please try again.")


# --- The profile page ------------------------------------------------------------------------


@require_safe
@kept_for_back
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
        context = _owner_context(profile_user, profile)
    else:
        context = {"profile_user": profile_user, "profile": profile, "is_owner": False}
    context |= {
        "page": page,
        "relation": social_selectors.relationship(request.user, profile_user),
        "counts": social_selectors.follow_counts(profile_user),
    }
    response = render(request, "profiles/profile.html", context)
    if context["is_owner"]:
        # The owner's page shows their email addresses: no copy of it is kept anywhere.
        add_never_cache_headers(response)
    return response


def _people(request: HttpRequest, username: str, which: str) -> HttpResponse:
    """The members following `username` ("followers") or followed by them ("following"):
    across a block between the viewer and them, no list but a sentence that says why, as on
    their profile."""
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
    context = {
        "profile_user": profile_user,
        "page": page,
        "which": which,
        "relation": social_selectors.blocks_and_mute(request.user, profile_user),
    }
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
        # A callable, so only the templates that show it (the Email section) query.
        "pending_email": lambda: EmailAddress.objects.filter(user=user, verified=False).first(),
        **extra,
    }


# --- Editing one section ---------------------------------------------------------------------


def _upload_refused(request: HttpRequest, section: str) -> HttpResponse:
    """The body was refused unread (see limit_upload_size): the section's form, with why."""
    found = get_section(section)
    form = found.form(request, request.user, _profile_of(request.user))
    return _show_form(request, found, **_too_large(form))


@sensitive_post_parameters("email-password")
@require_http_methods(["GET", "POST"])
# In this order: the login comes first, as every refusal shows the member's own form;
# limit_upload_size answers an oversized body before anything reads it and puts CSRF
# protection around the rest, so that the rate limit only counts the member's own POSTs.
@login_required_htmx
@limit_upload_size(too_large=_upload_refused)
@rate_limited("profile_save")
def edit_section(request: HttpRequest, section: str) -> HttpResponse:
    """GET: the section's form; POST: save it. Swapped in with htmx, else a page of its own
    that returns to the profile (or to a local `next`) once saved."""
    found = get_section(section)
    user = request.user
    if url := found.elsewhere(user):
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if request.method == "GET":
        return _show_form(request, found, found.form(request, user, _profile_of(user)))
    old_url = user.get_absolute_url()
    if refused := _save(request, found):
        return _show_form(request, found, next=_next(request), **refused)
    fresh = selectors.get_user_with_profile(pk=user.pk)
    if not request.htmx:
        return redirect(_next(request) or fresh)
    response = _show_saved(request, found, fresh)
    if fresh.get_absolute_url() != old_url:
        replace_url(response, fresh.get_absolute_url())
    return response


def _save(request: HttpRequest, section: Section) -> dict[str, object] | None:
    """Validate and save the posted form, with a message for the member. Return None once it
    is saved, else how to show the form again: bound, with what was typed and why not."""
    user = request.user
    profile = _profile_of(user)
    if not section.allowed(request, user):
        return {"form": section.form(request, user, profile), "form_error": TOO_MANY}
    form = section.form(request, user, profile, bound=True)
    if request.upload_too_large:  # the body was longer than it said: read up to the limit
        return _too_large(form)
    try:
        if not form.is_valid():
            return {"form": form}
        messages.success(request, section.save(request, form))
    except services.StaleSection:
        return _conflict(request, section, selectors.get_user_with_profile(pk=user.pk))
    except InvalidImage as error:
        errors = {"photo": [str(error)]}
    except NotStored as error:
        errors = {None: [str(error)]}
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    except DatabaseError:
        logger.exception("Saving a profile failed")
        errors = {None: [SAVE_FAILED]}
    else:
        return None
    for name, texts in errors.items():
        form.add_error(name if name in form.fields else None, texts)
    return {"form": form}


def _conflict(request: HttpRequest, section: Section, fresh) -> dict[str, object]:
    """The section changed elsewhere since the form was opened: nothing typed is lost. The
    form keeps what the member sent, the version saved meanwhile is shown above it, and the
    form now carries that version's token, so Save again puts theirs over it deliberately
    ("Use the saved version" opens the form with it instead)."""
    profile = _profile_of(fresh)
    data = request.POST.copy()
    data[f"{section.name}-token"] = services.section_token(section.name, fresh, profile)
    form = section.form(request, fresh, profile, data=data)
    saved = section.initial(fresh, profile)
    yours = form.cleaned_data if form.is_valid() else {}
    theirs = [  # the fields where the two versions differ
        (form.fields[name].label, _shown(saved[name]))
        for name in (*section.user_fields, *section.profile_fields)
        if name in form.fields
        and not isinstance(form.fields[name], forms.FileField)
        and yours.get(name) != saved[name]
    ]
    return {"form": form, "member": fresh, "conflict": {"theirs": theirs}}


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return str(value) if value not in (None, "") else str(_("(empty)"))


def _too_large(form: forms.Form) -> dict[str, object]:
    """Say "too large" under the form's file field, or above a form without one."""
    message = too_large_message()
    return {"form": form} if refuse_upload(form, message) else {"form": form, "form_error": message}


def _next(request: HttpRequest) -> str | None:
    """Where a form sent without JavaScript returns once saved, if its page said (the settings
    page does)."""
    return local_path(request, request.POST.get("next", ""))


def _show_form(
    request: HttpRequest, section: Section, form: forms.Form, *, member=None, **extra: object
) -> HttpResponse:
    """The section's form, for htmx alone, else on a page; `extra` says why it is back
    (conflict, form_error) and where it returns to (next)."""
    focus_first_field(form)
    member = member or request.user
    context = _owner_context(member, _profile_of(member), section=section, form=form, **extra)
    if request.htmx:
        return render(request, "profiles/settings.html#section_form", context)
    return render(request, "profiles/settings.html", context | {"section_forms": [(section, form)]})


def _show_saved(request: HttpRequest, section: Section, user) -> HttpResponse:
    """The saved section, and out of band every other copy of what it changed."""
    context = _owner_context(user, _profile_of(user), focus_edit=True, oob=True)
    html = render_to_string(f"profiles/profile.html#{section.name}", context, request)
    for partial in section.refreshes:
        html += render_to_string(partial, context, request)
    return HttpResponse(html)


@login_required_htmx
@require_safe
def show_section(request: HttpRequest, section: str) -> HttpResponse:
    """Cancel: the section as it is now, with focus back on its Edit control."""
    found = get_section(section)
    if not request.htmx:
        return redirect(request.user)
    context = _owner_context(request.user, _profile_of(request.user), focus_edit=True)
    return render(request, f"profiles/profile.html#{found.name}", context)


# --- The settings page: every section's form, for browsers without JavaScript ----------------


@login_required_htmx
@require_safe
def settings_page(request: HttpRequest) -> HttpResponse:
    """Every section's form, each saved on its own at the section's URL, then back here. A
    section edited on another page (see Section.elsewhere) is a link to it instead."""
    user = request.user
    profile = _profile_of(user)
    section_forms = [
        (section, None if section.elsewhere(user) else section.form(request, user, profile))
        for section in SECTIONS.values()
    ]
    context = _owner_context(user, profile, section_forms=section_forms, next=request.path)
    return render(request, "profiles/settings.html", context)


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


@login_required_htmx
@require_POST
def dismiss_first_steps(request: HttpRequest) -> HttpResponse:
    """Close the first-steps checklist for good: with htmx a short note takes its place (and
    the focus, which was on the button that went), without JavaScript the browser goes back
    to the page it was on."""
    services.dismiss_first_steps(user=request.user)
    if request.htmx:
        return render(request, "profiles/first_steps.html#hidden")
    return redirect(local_path(request, request.POST.get("next", "")) or "feed:home")
