"""The feed, posts, likes and comments. Views parse, call a service or selector, render; the
htmx fragments are partials of the page templates (feed/feed.html, feed/post_detail.html)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.accounts.models import SignupMode
from apps.accounts.selectors import session_invitation
from apps.core.db.paging import Page, requested_page, wants_fragment
from apps.core.uploads import pending
from apps.core.uploads.forms import refuse_upload
from apps.core.uploads.images import InvalidImage, NotStored, too_large_message
from apps.core.uploads.limits import limit_upload_size
from apps.core.web import intents
from apps.core.web.decorators import kept_for_back, login_required_htmx
from apps.core.web.forms import focus_first_field
from apps.core.web.http import local_path
from apps.core.web.ratelimit import (
    consume,
    is_new_member,
    new_member_allowance,
    rate_limited,
    refusal,
)
from apps.social import selectors as social_selectors

from . import mentions, permissions, selectors, services
from .forms import CommentForm, PostForm
from .models import COMMENT_MAX_LENGTH, Comment, Post
from .selectors import Place

# --- Reading ---------------------------------------------------------------------------------


TABS = {"following": _("Following"), "everyone": _("Everyone")}
MENTIONS_TOO_MANY = _(
    "New accounts can mention up to %(count)s people an hour during their first day. Mention "
    "fewer people, or try again later; nothing was saved."
)


def _tab(request: HttpRequest, tag: str | None, follows_anyone: bool) -> str | None:
    """Members choose between the people they follow and everyone; "following" is where
    they start once they follow anybody. Guests and tag pages have no tabs."""
    if tag or not request.user.is_authenticated:
        return None
    if (asked := request.GET.get("tab")) in TABS:
        return asked
    return "following" if follows_anyone else "everyone"


def _feed_page(request: HttpRequest, tag: str | None = None) -> HttpResponse:
    member = request.user.is_authenticated and tag is None
    follows_anyone = member and social_selectors.follows_anyone(request.user)
    tab = _tab(request, tag, follows_anyone)
    page = requested_page(
        request,
        lambda cursor: selectors.page_of_posts(
            viewer=request.user, cursor=cursor, tag=tag, following=tab == "following"
        ),
    )
    context = {
        "page": page,
        "tag": tag,
        "tab": tab,
        "tabs": list(TABS.items()) if tab else None,
        **(_left_off(request, tab, page) if tab else {}),
        # The members the viewer follows who are online, beside the feed (and kept fresh
        # by the presence poll).
        "online_now": True if tab else None,
    }
    if wants_fragment(request, page):
        return render(request, "feed/feed.html#page", context)
    if not request.user.is_authenticated and tag is None and page.is_first:
        context["welcome"] = _welcome(request)
    elif member and page.is_first:
        # A new member's checklist (templates/profiles/first_steps.html) and, while they
        # follow nobody, whom they might.
        context["first_steps"] = True
        context["follows_anyone"] = follows_anyone
        if not follows_anyone:
            context["suggestions"] = selectors.who_to_follow(request.user)
    return render(request, "feed/feed.html", context)


def _left_off(request: HttpRequest, tab: str, page: Page[Post]) -> dict[str, object]:
    """Where the member left off on this tab, read before this page moves it: the post
    "You were here" goes above, the "Jump to where you left off" link, and the tabs' counts of
    new posts. Page one's top is then what they have seen. A later page (load more, the jump
    link) moves nothing and takes the place its page one had from `here`."""
    left_off = selectors.left_off(request.user)
    place = left_off.places.get(tab)
    if not page.is_first:
        place = selectors.here_from(request.GET.get("here", "")) or place
    divider = selectors.divider_before(page, place)
    jump = None
    if divider:
        jump = "#you-were-here"
    elif page.is_first and place and page.next_cursor and place < Place.of(page.items[-1]):
        query = urlencode({"tab": tab, "after": place.starting_cursor, "here": place.cursor})
        jump = f"{reverse('feed:home')}?{query}#you-were-here"
    new = dict(left_off.new)
    if page.is_first and page.items:
        top = Place.of(page.items[0])
        if place is None or top > place:
            services.record_seen(user=request.user, tab=tab, place=top)
        new[tab] = 0  # the top of the tab is what they have seen now
    return {
        "tabs": [(name, label, new.get(name, 0)) for name, label in TABS.items()],
        "divider_before": divider,
        "jump": jump,
        "left_off_here": place.cursor if place and page.is_first else None,
        "new_here": new.get(tab, 0),
    }


def _welcome(request: HttpRequest) -> dict[str, object]:
    """What the visitors' "about this community" panel says: how big the site is, and how
    one joins it now (the signup mode; in invitation mode, whether a link was opened here)."""
    community = selectors.community()
    mode = community.signup_mode
    invited = mode == SignupMode.INVITATION and session_invitation(request.session) is not None
    can_join = mode in {SignupMode.OPEN, SignupMode.APPROVAL} or invited
    return {
        "community": community,
        "join": "apply" if mode == SignupMode.APPROVAL else can_join,
        "by_invitation": mode == SignupMode.INVITATION and not invited,
    }


@require_safe
@kept_for_back
def feed(request: HttpRequest) -> HttpResponse:
    if tag := request.GET.get("tag", "").strip():
        try:
            names = services.parse_tags(tag)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("feed:home")
        if names:
            return redirect("feed:tag", tag=names[0])
    return _feed_page(request)


@require_safe
@kept_for_back
def tag_feed(request: HttpRequest, tag: str) -> HttpResponse:
    try:
        names = services.parse_tags(tag)
    except ValidationError:
        raise Http404 from None
    if names != [tag]:
        if not names:
            raise Http404
        return redirect("feed:tag", tag=names[0])
    return _feed_page(request, tag=tag)


@require_safe
@kept_for_back
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.get_post(pk=pk, viewer=request.user)
    reply_to = request.GET.get("reply", "")
    is_id = reply_to.isascii() and reply_to.isdecimal() and len(reply_to) < 19
    draft = None
    if request.user.is_authenticated and (
        intent := intents.take(request, "comment", target=post.pk)
    ):
        # What the member typed before logging in, back in the box: sent only when they say.
        draft = CommentForm(initial={"text": intent.text})
        focus_first_field(draft)
    context = _thread_context(
        request, post, reply_to=int(reply_to) if is_id and not draft else None, form=draft
    )
    return render(request, "feed/post_detail.html", context)


def _thread_context(
    request: HttpRequest,
    post: Post,
    *,
    reply_to: int | None = None,
    form: CommentForm | None = None,
    **extra: object,
) -> dict[str, object]:
    """The post with its comments. `reply_to` opens the reply form under that thread; `form`,
    a submitted form, is shown again with its errors in the reply slot or as the main form."""
    comments = selectors.thread(post, viewer=request.user)
    replying_to = next((c for c in comments if c.pk == reply_to and c.can_reply), None)
    reply_form = CommentForm.for_reply(replying_to) if replying_to else None
    comment_form = CommentForm()
    if form is not None and replying_to:
        reply_form = form
    elif form is not None:
        comment_form = form
    return {
        "post": post,
        "comments": comments,
        "comment_form": comment_form,
        "replying_to": replying_to,
        "reply_form": reply_form,
        "full": True,
        **extra,
    }


# --- Writing posts ---------------------------------------------------------------------------


def _editable_post(request: HttpRequest, pk: int | None) -> Post | None:
    """The post being edited (only by its author), or None when writing a new one."""
    if pk is None:
        return None
    post = get_object_or_404(Post.objects.prefetch_related("tags"), pk=pk)
    if not permissions.can_edit_post(request.user, post):
        raise PermissionDenied
    return post


def _post_form_too_large(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The body was refused unread (see limit_upload_size): a fresh form that says why."""
    post = _editable_post(request, pk)
    form = PostForm()
    refuse_upload(form, too_large_message())  # under the image field, like its other errors
    context = {"form": form, "post": post}
    return render(request, "feed/post_form.html", context)


def _post_form_too_often(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Over the write limit: the form again with everything typed, saying why (a 429)."""
    post = _editable_post(request, pk)
    context = {"form": PostForm(request.POST), "post": post, "form_error": refusal(request)}
    return render(request, "feed/post_form.html", context, status=429)


def _check_mentions(request: HttpRequest, form, text: str, before: str = "") -> None:
    """Count the people `text` newly names against the member's mention limit (new accounts
    have one); over it, an error on the text and nothing is saved."""
    named = [handle for handle in mentions.handles_in(text) if handle not in
             mentions.handles_in(before)]  # fmt: skip
    if named and not consume(request, "mention", amount=len(named)):
        allowance = new_member_allowance("mention")
        new = is_new_member(request.user) and allowance is not None
        message = MENTIONS_TOO_MANY % {"count": allowance} if new else refusal(request)
        form.add_error("text", message)


@login_required_htmx
@require_http_methods(["GET", "POST"])
@limit_upload_size(too_large=_post_form_too_large)
@rate_limited("write_post", refused=_post_form_too_often)
def create_post(request: HttpRequest) -> HttpResponse:
    return _post_form(request, None)


@login_required_htmx
@require_http_methods(["GET", "POST"])
@limit_upload_size(too_large=_post_form_too_large)
@rate_limited("write_post", refused=_post_form_too_often)
def update_post(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_form(request, pk)


def _post_form(request: HttpRequest, pk: int | None) -> HttpResponse:
    """Write a new post (pk None) or edit one: the form, and on a valid POST the save. An
    image chosen for a form that comes back with errors is kept for the next send."""
    post = _editable_post(request, pk)
    initial = {}
    if post is not None:
        initial = {
            "title": post.title,
            "text": post.text,
            "tags": ", ".join(f"#{tag.name}" for tag in post.tags.all()),
            "image_alt": post.image_alt,
        }
    form = PostForm(request.POST or None, request.FILES or None, initial=initial)
    token = request.POST.get("kept_image", "") if request.method == "POST" else ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        image = data["image"].read() if data["image"] else None
        if image is None and token:
            image = pending.take(token=token, user_id=request.user.pk)
            token = ""
            if image is None:
                form.add_error("image", _("The image chosen earlier is gone; choose it again."))
        fields = {"title": data["title"], "text": data["text"], "tags": data["tags"],
                  "image": image, "image_alt": data["image_alt"]}  # fmt: skip
        if post is None:
            fields["client_token"] = data["client_token"]
        if not form.errors:
            _check_mentions(request, form, data["text"], before=post.text if post else "")
        try:
            saved = None if form.errors else _save_post(request, post, fields, data)
        except InvalidImage as error:
            form.add_error("image", str(error))
        except NotStored as error:
            form.add_error(None, str(error))
        else:
            if saved is not None:
                return redirect(saved)
    context = {"form": form, "post": post}
    if request.method == "POST":
        context |= _kept_image(request, form, token)
    return render(request, "feed/post_form.html", context)


def _save_post(request: HttpRequest, post: Post | None, fields: dict, data: dict) -> Post:
    if post is None:
        post = services.create_post(author=request.user, **fields)
        messages.success(request, _("Your post is published."))
    else:
        services.update_post(
            user=request.user, post=post, remove_image=data["remove_image"], **fields
        )
        messages.success(request, _("Post updated."))
    return post


def _kept_image(request: HttpRequest, form: PostForm, token: str) -> dict[str, str]:
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


@login_required_htmx
@require_http_methods(["GET", "POST"])
def delete_post(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(Post, pk=pk)
    if not permissions.can_delete_post(request.user, post):
        raise PermissionDenied
    if request.method == "POST":
        services.delete_post(user=request.user, post=post)
        messages.success(request, _("Post deleted."))
        return redirect("feed:home")
    return render(request, "feed/post_confirm_delete.html", {"post": post})


# --- Likes -----------------------------------------------------------------------------------


@require_POST
@rate_limited("like")
def set_like(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(selectors.visible_posts(request.user, Post.objects.all()), pk=pk)
    if not request.user.is_authenticated:
        # A visitor's Like is kept for after the login (apps/feed/signals.py), which comes
        # back to the card.
        if request.POST.get("liked") == "1":
            intents.remember(request, kind="like", target=post.pk)
        return intents.ask_to_log_in(request, _way_back(request, post))
    liked = request.POST.get("liked") == "1"
    try:
        post.like_count = services.set_like(user=request.user, post=post, liked=liked)
    except Post.DoesNotExist:
        raise Http404 from None  # deleted while the click was on its way
    post.liked = liked
    if request.htmx:
        # The button is replaced: focus goes to the new one, where the person was.
        return render(request, "feed/feed.html#like", {"post": post, "focus_like": True})
    # Without JavaScript, back to the card the form was on.
    return HttpResponseRedirect(
        local_path(request, request.POST.get("next", "")) or post.get_absolute_url()
    )


def _way_back(request: HttpRequest, post: Post) -> str:
    """Where a visitor asked to log in returns: the page the form was on (its `next`, else
    the Referer), else the post."""
    return (
        local_path(request, request.POST.get("next", ""))
        or local_path(request, request.headers.get("Referer", ""))
        or post.get_absolute_url()
    )


# --- Comments --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def comments(request: HttpRequest, pk: int) -> HttpResponse:
    """GET (htmx): the thread under a feed card. POST: add a comment or a reply (a visitor's
    text is kept for after the login, to send then)."""
    if request.method == "POST" and not request.user.is_authenticated:
        return _keep_comment_for_later(request, pk)
    if request.method == "POST":
        return _create_comment(request, pk)
    post = selectors.get_post(pk=pk, viewer=request.user)
    if not request.htmx:
        return redirect(f"{post.get_absolute_url()}#comments-{post.pk}")
    return render(request, "feed/post_detail.html#comments", _thread_context(request, post))


@rate_limited("write_comment")
def _keep_comment_for_later(request: HttpRequest, pk: int) -> HttpResponse:
    """A visitor's comment is not posted: its text waits in their session and comes back in
    the comment box on the post once they have logged in."""
    post = selectors.get_post(pk=pk, viewer=request.user)
    if text := request.POST.get("text", "").strip():
        intents.remember(request, kind="comment", target=post.pk, text=text[:COMMENT_MAX_LENGTH])
    return intents.ask_to_log_in(request, f"{post.get_absolute_url()}#comment-form-{post.pk}")


@login_required_htmx
@rate_limited("write_comment")
def _create_comment(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.get_post(pk=pk, viewer=request.user)
    form = CommentForm(request.POST)
    form.is_valid()
    parent = top = None
    if parent_id := form.cleaned_data.get("parent"):
        try:
            parent = selectors.get_comment(pk=parent_id, viewer=request.user, post=post)
        except Http404:
            parent = None
        if parent is None:
            form.add_error(None, _("The comment you replied to no longer exists."))
        else:
            top = parent.parent or parent  # one level of replies: answers join the thread
            form = CommentForm.for_reply(top, data=request.POST)
    if form.is_valid():
        _check_mentions(request, form, form.cleaned_data["text"])
    if form.is_valid():
        try:
            comment = services.create_comment(
                author=request.user,
                post=post,
                text=form.cleaned_data["text"],
                parent=parent,
                client_token=form.cleaned_data.get("client_token"),
            )
        except ValidationError as error:
            form.add_error(None, error)
        except Post.DoesNotExist:
            raise Http404 from None
        else:
            if not request.htmx:
                messages.success(request, _("Comment added."))
                return redirect(comment.get_absolute_url())
            return _thread_response(request, post.pk, focus=comment.pk)
    # The thread again with the form as it was sent, its errors, and focus on what to fix.
    focus_first_field(form)
    context = _thread_context(request, post, reply_to=top.pk if top else None, form=form)
    template = "feed/post_detail.html#comments" if request.htmx else "feed/post_detail.html"
    return render(request, template, context)


def _thread_response(request: HttpRequest, post_pk: int, focus: int | None = None):
    """The whole thread again, plus the post's comment count out of band. Focus goes to the
    comment `focus`, or else to the thread's heading (the control pressed is gone)."""
    post = selectors.get_post(pk=post_pk, viewer=request.user)
    context = _thread_context(
        request, post, focus_comment=focus, focus_thread=focus is None, oob=True
    )
    html = render_to_string("feed/post_detail.html#comments", context, request)
    html += render_to_string("feed/feed.html#comment_count", context, request)
    return HttpResponse(html)


@login_required_htmx
@require_safe
def reply_form(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Reply" opens a form under the thread's top comment (one level of replies)."""
    comment = selectors.get_comment(pk=pk, viewer=request.user, is_deleted=False)
    top = comment.parent or comment
    if top.is_deleted:
        raise Http404  # the thread's first comment is gone: nobody left to reply to by name
    if not request.htmx:
        return redirect(f"{comment.post.get_absolute_url()}?reply={top.pk}#comment-{top.pk}")
    top.post = comment.post
    form = CommentForm.for_reply(top)
    focus_first_field(form)
    context = {"post": comment.post, "parent": top, "reply_form": form}
    return render(request, "feed/post_detail.html#reply_form", context)


@login_required_htmx
@require_http_methods(["GET", "POST"])
@rate_limited("write_comment")
def update_comment(request: HttpRequest, pk: int) -> HttpResponse:
    comment = selectors.get_comment(pk=pk, viewer=request.user)
    if not permissions.can_edit_comment(request.user, comment):
        raise PermissionDenied
    form = CommentForm.for_edit(comment, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        _check_mentions(request, form, form.cleaned_data["text"], before=comment.text)
    if request.method == "POST" and form.is_valid():
        services.update_comment(user=request.user, comment=comment, text=form.cleaned_data["text"])
        if not request.htmx:
            messages.success(request, _("Comment updated."))
            return redirect(comment.get_absolute_url())
        return _thread_response(request, comment.post_id, focus=comment.pk)
    if not request.htmx:
        return render(
            request,
            "feed/comment_edit.html",
            {"comment": comment, "form": form, "post": comment.post},
        )
    focus_first_field(form)
    context = {"comment": comment, "form": form, "post": comment.post}
    return render(request, "feed/post_detail.html#comment_edit_form", context)


@login_required_htmx
@require_POST
def delete_comment(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("post"), pk=pk)
    services.delete_comment(user=request.user, comment=comment)
    if not request.htmx:
        messages.success(request, _("Comment deleted."))
        return redirect(f"{comment.post.get_absolute_url()}#comments-{comment.post_id}")
    return _thread_response(request, comment.post_id)
