"""The conversation list, its Requests tab, starting a conversation, adding members and the
member's "who may message me" setting. Views parse, call a service or selector, render."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from apps.core.db.paging import requested_page, wants_fragment
from apps.core.uploads import pending
from apps.core.uploads.forms import refuse_upload
from apps.core.uploads.images import InvalidImage, NotStored, too_large_message
from apps.core.uploads.limits import limit_upload_size
from apps.core.web.decorators import login_required_htmx
from apps.core.web.ratelimit import rate_limited, refusal

from . import selectors, services
from .forms import AddMembersForm, MessageSettingsForm, StartConversationForm
from .models import GROUP_MAX_MEMBERS, Message
from .permissions import who_may_write

IMAGE_GONE = _("The image chosen earlier is gone; choose it again.")

# --- The list --------------------------------------------------------------------------------


def _list(request: HttpRequest, *, requests: bool) -> HttpResponse:
    page = requested_page(
        request,
        lambda cursor: selectors.conversation_page(request.user, requests=requests, cursor=cursor),
    )
    context = {"page": page, "requests": requests}
    if wants_fragment(request, page):
        return render(request, "conversations/list.html#page", context)
    context["requests_count"] = selectors.requests_count(request.user)
    return render(request, "conversations/list.html", context)


@login_required_htmx
@require_safe
def conversation_list(request: HttpRequest) -> HttpResponse:
    """The member's conversations, the most recently written first."""
    return _list(request, requests=False)


@login_required_htmx
@require_safe
def requests_list(request: HttpRequest) -> HttpResponse:
    """Conversations started by people the member does not follow, waiting to be accepted."""
    return _list(request, requests=True)


# --- Starting a conversation -----------------------------------------------------------------


def _start_form_page(request: HttpRequest, form: StartConversationForm, status: int = 200,
                     **extra: object) -> HttpResponse:  # fmt: skip
    context = {"form": form, "suggestions": selectors.followed_handles(request.user), **extra}
    return render(request, "conversations/new.html", context, status=status)


def _start_too_large(request: HttpRequest) -> HttpResponse:
    """The body was refused unread: the form again, saying why under the image field."""
    form = StartConversationForm(viewer=request.user)
    refuse_upload(form, too_large_message())
    return _start_form_page(request, form)


def _start_too_often(request: HttpRequest) -> HttpResponse:
    """Over the limit: the form again with what was typed, saying why (a 429)."""
    form = StartConversationForm(request.POST, viewer=request.user)
    return _start_form_page(request, form, status=429, form_error=refusal(request))


@login_required_htmx
@require_http_methods(["GET", "POST"])
@limit_upload_size(too_large=_start_too_large)
@rate_limited("start_conversation", refused=_start_too_often)
def start_conversation(request: HttpRequest) -> HttpResponse:
    """Write a first message to one member or several (`?to=alice` fills in the name; when
    the two already have a conversation, that is where it goes). An image chosen for a form
    that comes back with errors is kept for the next send."""
    if request.method == "GET":
        to = request.GET.get("to", "")
        existing = selectors.existing_with(request.user, to) if to else None
        if existing is not None:
            return redirect(existing)
        form = StartConversationForm(viewer=request.user, initial={"to": to})
        return _start_form_page(request, form)
    form = StartConversationForm(request.POST, request.FILES, viewer=request.user)
    token = request.POST.get("kept_image", "")
    if form.is_valid():
        data = form.cleaned_data
        image = data["image"].read() if data["image"] else None
        if image is None and token:
            image, token = pending.take(token=token, user_id=request.user.pk), ""
            if image is None:
                form.add_error("image", IMAGE_GONE)
        try:
            message = None if form.errors else _start(request, data, image)
        except services.CannotWrite as error:
            form.add_error("to", error.message)
        except InvalidImage as error:
            form.add_error("image", str(error))
        except NotStored as error:
            form.add_error(None, str(error))
        else:
            if message is not None:
                return redirect(message.conversation)
    return _start_form_page(request, form, **_kept_image(request, form, token))


def _start(request: HttpRequest, data: dict, image: bytes | None) -> Message:
    return services.start_conversation(
        starter=request.user,
        members=data["to"],
        text=data["text"],
        image=image,
        image_alt=data["image_alt"],
        title=data["title"] if len(data["to"]) > 1 else "",
        client_token=data["client_token"],
    )


def _kept_image(request: HttpRequest, form: StartConversationForm, token: str) -> dict:
    """The image to keep for the form's next send: the one just chosen, else the one kept
    before. An image the pipeline refuses is not kept; its error is on the field."""
    upload = form.cleaned_data.get("image") if hasattr(form, "cleaned_data") else None
    if upload and "image" not in form.errors:
        upload.seek(0)
        try:
            token, url = pending.keep(data=upload.read(), user_id=request.user.pk)
        except InvalidImage as error:
            form.add_error("image", str(error))
            return {}
        except NotStored:
            return {}
        return {"kept_token": token, "kept_url": url}
    if token and (url := pending.url_of(token=token, user_id=request.user.pk)):
        return {"kept_token": token, "kept_url": url}
    return {}


# --- Adding members to a group ---------------------------------------------------------------


@login_required_htmx
@require_http_methods(["GET", "POST"])
@rate_limited("start_conversation")
def add_members(request: HttpRequest, pk: int) -> HttpResponse:
    """The group's members, and for its starter a form to add more. A member who is not in
    the conversation gets a 404, as if it did not exist; another member a 403 that says
    who may add people."""
    place = selectors.membership(request.user, pk)
    if place is None:
        raise Http404
    conversation = place.conversation
    may_add = conversation.is_group and conversation.starter_id == request.user.pk
    form = AddMembersForm(request.POST or None, viewer=request.user)
    status = 200 if may_add else 403
    if request.method == "POST" and may_add and form.is_valid():
        try:
            added = services.add_members(
                by=request.user, conversation=conversation, members=form.cleaned_data["members"]
            )
        except services.CannotWrite as error:
            form.add_error("members", error.message)
        else:
            if added:
                names = ", ".join(member.display_name for member in added)
                messages.success(
                    request,
                    ngettext("%(names)s was added.", "%(names)s were added.", len(added))
                    % {"names": names},
                )
            return redirect("conversations:add_members", pk=conversation.pk)
    members = selectors.current_members(conversation)
    context = {
        "conversation": conversation,
        "members": members,
        "form": form,
        "may_add": may_add,
        "room": GROUP_MAX_MEMBERS - len(members),
        "limit": GROUP_MAX_MEMBERS,
        "suggestions": selectors.followed_handles(request.user) if may_add else [],
    }
    return render(request, "conversations/members.html", context, status=status)


# --- Who may message me ----------------------------------------------------------------------


@login_required_htmx
@require_http_methods(["GET", "POST"])
@rate_limited("conversation_action")
def message_settings(request: HttpRequest) -> HttpResponse:
    """Who may start a conversation with the member: everyone, people they follow, nobody."""
    initial = {"who_may_write": who_may_write(request.user)}
    form = MessageSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.save_preferences(
            user=request.user, who_may_write=form.cleaned_data["who_may_write"]
        )
        messages.success(request, _("Message settings saved."))
        return redirect("conversations:settings")
    return render(request, "conversations/settings.html", {"form": form})
