"""One conversation: its page, older messages, the composer, and the member's actions on it.
The htmx fragments are partials of conversations/conversation.html."""

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from apps.core.uploads.forms import refuse_upload
from apps.core.uploads.images import InvalidImage, NotStored, too_large_message
from apps.core.uploads.limits import limit_upload_size
from apps.core.uploads.views import MEDIA_TYPES, PRIVATE_CACHE, stored_image
from apps.core.web.decorators import login_required_htmx
from apps.core.web.forms import focus_first_field
from apps.core.web.ratelimit import rate_limited, refusal
from apps.profiles import audiences

from . import selectors, services
from .forms import MessageForm
from .selectors import Thread

# --- Reading ---------------------------------------------------------------------------------


def _page_context(
    request: HttpRequest, thread: Thread, *, before: int | None = None, **extra: object
) -> dict[str, object]:
    page = selectors.page_of_messages(thread, viewer=request.user, before=before)
    last = page.messages[-1] if page.messages else None
    return {
        "thread": thread,
        "conversation": thread.conversation,
        "page": page,
        "last_message_id": last.pk if last else 0,
        "seen": selectors.seen_by(thread, last) if before is None else [],
        "form": MessageForm(),
        **extra,
    }


@login_required_htmx
@require_safe
def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    """The conversation, newest message at the bottom, the composer under it. Opening it
    reads it up to its newest message."""
    try:
        thread = selectors.get_thread(pk=pk, viewer=request.user)
    except selectors.ConversationEnded:
        return _ended(request)
    context = _page_context(request, thread)
    audiences.remembered(request).update(thread.sights)  # "seen" read them: the badge too
    if context["last_message_id"]:
        services.mark_read(
            user=request.user, conversation=thread.conversation, up_to=context["last_message_id"]
        )
    return render(request, "conversations/conversation.html", context)


def _ended(request: HttpRequest) -> HttpResponse:
    """What the blocked member of a conversation of two sees instead of it (a 404): that it
    has ended, nothing of what it held."""
    return render(request, "conversations/ended.html", status=404)


@login_required_htmx
@require_safe
def older(request: HttpRequest, pk: int) -> HttpResponse:
    """The messages before `?before=<id>`: prepended by htmx, or a page of their own."""
    before = request.GET.get("before", "")
    if not (before.isascii() and before.isdecimal() and len(before) < 19):
        raise BadRequest(_("That page link is not valid."))
    thread = selectors.get_thread(pk=pk, viewer=request.user)
    context = _page_context(request, thread, before=int(before), paging=True)
    if request.htmx:
        return render(request, "conversations/conversation.html#older", context)
    return render(request, "conversations/conversation.html", context)


@login_required_htmx
@require_safe
def message_image(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    """A message's image, to the conversation's members only, never kept by shared caches."""
    thread = selectors.get_thread(pk=pk, viewer=request.user)
    message = selectors.get_message(thread, pk=message_pk, viewer=request.user)
    extension = message.image.name.rpartition(".")[2].lower() if message.image else ""
    if extension not in MEDIA_TYPES:
        raise Http404
    return stored_image(message.image.name, extension, cache_control=PRIVATE_CACHE)


# --- Writing ---------------------------------------------------------------------------------


def _composer_response(
    request: HttpRequest,
    thread: Thread,
    form: MessageForm,
    *,
    status: int = 200,
    form_error: str = "",
) -> HttpResponse:
    """The composer again with what was typed and why it was not sent: the composer alone
    for htmx, the whole page otherwise."""
    if request.htmx:
        focus_first_field(form)
        context = {"thread": thread, "conversation": thread.conversation, "form": form,
                   "form_error": form_error}  # fmt: skip
        return render(request, "conversations/conversation.html#composer", context, status=status)
    context = _page_context(request, thread, form=form, form_error=form_error)
    return render(request, "conversations/conversation.html", context, status=status)


def _too_large(request: HttpRequest, pk: int) -> HttpResponse:
    """The body was refused unread (see limit_upload_size): the composer, saying why."""
    thread = selectors.get_thread(pk=pk, viewer=request.user)
    form = MessageForm()
    refuse_upload(form, too_large_message())
    return _composer_response(request, thread, form)


def _too_often(request: HttpRequest, pk: int) -> HttpResponse:
    """Over the limit without JavaScript: the page again, with what was typed (a 429)."""
    thread = selectors.get_thread(pk=pk, viewer=request.user)
    form = MessageForm(request.POST)
    return _composer_response(request, thread, form, status=429, form_error=refusal(request))


@login_required_htmx
@require_POST
@limit_upload_size(too_large=_too_large)
@rate_limited("send_message", refused=_too_often)
def send(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a message. htmx: the new message for the end of the list and an empty composer;
    without JavaScript, back to the conversation's end."""
    try:
        thread = selectors.get_thread(pk=pk, viewer=request.user)
    except selectors.ConversationEnded:
        if request.htmx:  # the page was open before the block: the composer goes, saying why
            return render(request, "conversations/conversation.html#closed", {"ended": True})
        return _ended(request)
    form = MessageForm(request.POST, request.FILES)
    if not form.is_valid():
        return _composer_response(request, thread, form)
    data = form.cleaned_data
    try:
        message = services.send_message(
            sender=request.user,
            conversation=thread.conversation,
            text=data["text"],
            image=data["image"].read() if data["image"] else None,
            image_alt=data["image_alt"],
            client_token=data["client_token"],
        )
    except services.CannotWrite as error:
        form.add_error(None, error.message)
    except InvalidImage as error:
        form.add_error("image", str(error))
    except NotStored as error:
        form.add_error(None, str(error))
    else:
        if not request.htmx:
            return redirect(reverse("conversations:conversation", args=[pk]) + "#composer")
        selectors.mark_messages([message], viewer=request.user)
        fresh = MessageForm()
        focus_first_field(fresh)  # the writer goes on typing where they were
        context = {"thread": thread, "conversation": thread.conversation, "added": [message],
                   "form": fresh, "sent": True}  # fmt: skip
        html = render_to_string("conversations/conversation.html#composer", context, request)
        html += render_to_string("conversations/conversation.html#appended", context, request)
        return HttpResponse(html)
    return _composer_response(request, thread, form)


@login_required_htmx
@require_POST
@rate_limited("conversation_action")
def delete_message(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    """Delete one's own message for everyone (within the hour): a placeholder stays."""
    thread = selectors.get_thread(pk=pk, viewer=request.user)
    message = selectors.get_message(thread, pk=message_pk, viewer=request.user)
    try:
        message = services.delete_message(user=request.user, message=message)
    except services.CannotWrite as error:
        messages.error(request, error.message)
        if request.htmx:
            response = HttpResponse("")
            response["HX-Reswap"] = "none"
            return response
    else:
        if request.htmx:
            selectors.mark_messages([message], viewer=request.user)
            context = {"thread": thread, "message": message, "focus_message": True}
            return render(request, "conversations/conversation.html#message", context)
        messages.success(request, _("Message deleted."))
    return redirect(reverse("conversations:conversation", args=[pk]) + f"#message-{message.pk}")


@login_required_htmx
@require_POST
@rate_limited("conversation_action")
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept a request: the conversation moves to the member's inbox."""
    thread = selectors.get_thread(pk=pk, viewer=request.user)
    services.accept_request(user=request.user, conversation=thread.conversation)
    messages.success(request, _("Request accepted. You can reply now."))
    return redirect("conversations:conversation", pk=pk)


@login_required_htmx
@require_POST
@rate_limited("conversation_action")
def hide(request: HttpRequest, pk: int) -> HttpResponse:
    """Hide the conversation for oneself (declining a request does the same): what it holds
    now is gone from one's view, and it leaves the list until someone writes again."""
    thread = selectors.get_thread(pk=pk, viewer=request.user, ended_ok=True)
    services.hide_conversation(user=request.user, conversation=thread.conversation)
    if thread.is_request:
        messages.success(request, _("Request declined."))
        return _go_to(request, reverse("conversations:requests"))
    messages.success(request, _("Conversation hidden. It comes back if someone writes again."))
    return _go_to(request, reverse("conversations:list"))


@login_required_htmx
@require_POST
@rate_limited("conversation_action")
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    thread = selectors.get_thread(pk=pk, viewer=request.user)
    try:
        services.leave_conversation(user=request.user, conversation=thread.conversation)
    except services.CannotWrite as error:
        messages.error(request, error.message)
        return redirect("conversations:conversation", pk=pk)
    messages.success(request, _("You left the group."))
    return _go_to(request, reverse("conversations:list"))


def _go_to(request: HttpRequest, url: str) -> HttpResponse:
    """Where an action leaves the page: the whole page changes, with htmx or without."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
