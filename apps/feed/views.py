"""The feed, posts, likes and comments. Views parse, call a service or selector, render; the
htmx fragments are partials of the page templates (feed/feed.html, feed/post_detail.html)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from apps.core.decorators import login_required_htmx, rate_limited
from apps.core.http import local_path
from apps.core.images import InvalidImage, human_size, max_upload_bytes
from apps.core.uploads import limit_upload_size

from . import selectors, services
from .forms import CommentForm, PostForm
from .models import Comment, Post

TOO_LARGE = format_lazy(
    _("The file is larger than {size}. Nothing was saved."), size=human_size(max_upload_bytes())
)


# --- Reading ---------------------------------------------------------------------------------


def _feed_page(request: HttpRequest, template: str, context: dict, **filters) -> HttpResponse:
    try:
        page = selectors.page_of_posts(
            viewer=request.user, cursor=request.GET.get("after") or None, **filters
        )
    except ValueError:
        return HttpResponseBadRequest(_("That page link is not valid."))
    context |= {"page": page, "posts": page.posts, "is_more": bool(request.GET.get("after"))}
    if request.htmx and request.GET.get("after"):
        return render(request, f"{template}#page", context)
    return render(request, template, context)


@require_safe
def feed(request: HttpRequest) -> HttpResponse:
    if tag := request.GET.get("tag", "").strip():
        try:
            names = services.parse_tags(tag)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("feed:home")
        if names:
            return redirect("feed:tag", tag=names[0])
    return _feed_page(request, "feed/feed.html", {})


@require_safe
def tag_feed(request: HttpRequest, tag: str) -> HttpResponse:
    try:
        names = services.parse_tags(tag)
    except ValidationError:
        raise Http404 from None
    if names != [tag]:
        if not names:
            raise Http404
        return redirect("feed:tag", tag=names[0])
    return _feed_page(request, "feed/feed.html", {"tag": tag}, tag=tag)


@require_safe
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.get_post(pk=pk, viewer=request.user)
    context = _thread_context(request, post)
    reply_to = request.GET.get("reply", "")
    if reply_to.isascii() and reply_to.isdecimal() and len(reply_to) < 19:
        context["reply_to"] = int(reply_to)
    return render(request, "feed/post_detail.html", context)


def _thread_context(request: HttpRequest, post: Post, **extra) -> dict:
    return {
        "post": post,
        "comments": selectors.thread(post),
        "comment_form": CommentForm(),
        "full": True,
        **extra,
    }


# --- Writing posts ---------------------------------------------------------------------------


def _post_form_too_large(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    post = get_object_or_404(Post, pk=pk) if pk else None
    if post and not services.can_edit_post(request.user, post):
        raise PermissionDenied
    return render(
        request,
        "feed/post_form.html",
        {"form": PostForm(), "post": post, "upload_error": TOO_LARGE},
    )


@login_required_htmx
@require_http_methods(["GET", "POST"])
@limit_upload_size(too_large=_post_form_too_large)
@rate_limited("write_post")
def post_create(request: HttpRequest) -> HttpResponse:
    form = PostForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and request.upload_too_large:
        return render(request, "feed/post_form.html", {"form": form, "upload_error": TOO_LARGE})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            post = services.create_post(
                author=request.user,
                title=data["title"],
                text=data["text"],
                tags=data["tags"],
                image=data["image"].read() if data["image"] else None,
            )
        except InvalidImage as error:
            form.add_error("image", str(error))
        else:
            messages.success(request, _("Your post is published."))
            return redirect(post)
    return render(request, "feed/post_form.html", {"form": form})


@login_required_htmx
@require_http_methods(["GET", "POST"])
@limit_upload_size(too_large=_post_form_too_large)
@rate_limited("write_post")
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(Post.objects.prefetch_related("tags"), pk=pk)
    if not services.can_edit_post(request.user, post):
        raise PermissionDenied
    initial = {
        "title": post.title,
        "text": post.text,
        "tags": ", ".join(f"#{tag.name}" for tag in post.tags.all()),
    }
    form = PostForm(request.POST or None, request.FILES or None, initial=initial)
    context = {"form": form, "post": post}
    if request.method == "POST" and request.upload_too_large:
        return render(request, "feed/post_form.html", context | {"upload_error": TOO_LARGE})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_post(
                user=request.user,
                post=post,
                title=data["title"],
                text=data["text"],
                tags=data["tags"],
                image=data["image"].read() if data["image"] else None,
                remove_image=data["remove_image"],
            )
        except InvalidImage as error:
            form.add_error("image", str(error))
        else:
            messages.success(request, _("Post updated."))
            return redirect(post)
    return render(request, "feed/post_form.html", context)


@login_required_htmx
@require_http_methods(["GET", "POST"])
def post_delete(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(Post, pk=pk)
    if not services.can_delete_post(request.user, post):
        raise PermissionDenied
    if request.method == "POST":
        services.delete_post(user=request.user, post=post)
        messages.success(request, _("Post deleted."))
        return redirect("feed:home")
    return render(request, "feed/post_confirm_delete.html", {"post": post})


# --- Likes -----------------------------------------------------------------------------------


@login_required_htmx
@require_POST
@rate_limited("like")
def like(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(Post, pk=pk)
    liked = request.POST.get("liked") == "1"
    try:
        post.like_count = services.set_like(user=request.user, post=post, liked=liked)
    except Post.DoesNotExist:
        raise Http404 from None  # deleted while the click was on its way
    post.liked = liked
    if request.htmx:
        return render(request, "feed/feed.html#like", {"post": post})
    # Without JavaScript, back to the card the form was on.
    return HttpResponseRedirect(
        local_path(request, request.POST.get("next", "")) or post.get_absolute_url()
    )


# --- Comments --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def comments(request: HttpRequest, pk: int) -> HttpResponse:
    """GET (htmx): the thread under a feed card. POST: add a comment or a reply."""
    if request.method == "POST":
        return _add_comment(request, pk)
    post = selectors.get_post(pk=pk, viewer=request.user)
    if not request.htmx:
        return redirect(f"{post.get_absolute_url()}#comments-{post.pk}")
    return render(request, "feed/post_detail.html#comments", _thread_context(request, post))


@login_required_htmx
@rate_limited("write_comment")
def _add_comment(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.get_post(pk=pk, viewer=request.user)
    form = CommentForm(request.POST)
    parent = None
    if form.is_valid() and form.cleaned_data["parent"]:
        parent = Comment.objects.filter(pk=form.cleaned_data["parent"], post=post).first()
        if parent is None:
            form.add_error(None, _("The comment you replied to no longer exists."))
    comment = None
    if form.is_valid():
        try:
            comment = services.add_comment(
                author=request.user, post=post, text=form.cleaned_data["text"], parent=parent
            )
        except ValidationError as error:
            form.add_error(None, error)
        except Post.DoesNotExist:
            raise Http404 from None
    if comment is None and not request.htmx:
        context = _thread_context(request, post, comment_form=form)
        return render(request, "feed/post_detail.html", context)
    if comment is None:
        target = "reply_form" if parent else "comment_form"
        context = _thread_context(request, post, comment_form=form, parent=parent)
        return render(request, f"feed/post_detail.html#{target}", context)
    if not request.htmx:
        messages.success(request, _("Comment added."))
        return redirect(comment.get_absolute_url())
    return _thread_response(request, post.pk, focus=comment.pk)


def _thread_response(request: HttpRequest, post_pk: int, focus: int | None = None):
    """The whole thread again, plus the post's comment count out of band."""
    post = selectors.get_post(pk=post_pk, viewer=request.user)
    context = _thread_context(request, post, focus_comment=focus, oob=True)
    html = render_to_string("feed/post_detail.html#comments", context, request)
    html += render_to_string("feed/feed.html#comment_count", context, request)
    return HttpResponse(html)


@login_required_htmx
@require_safe
def comment_reply_form(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Reply" opens a form under the thread's top comment (one level of replies)."""
    comment = get_object_or_404(Comment.objects.select_related("post"), pk=pk, is_deleted=False)
    top = comment.parent or comment
    if top.is_deleted:
        raise Http404  # the thread's first comment is gone: nobody left to reply to by name
    if not request.htmx:
        return redirect(f"{comment.post.get_absolute_url()}?reply={top.pk}#comment-{top.pk}")
    comment = top
    context = {"post": comment.post, "parent": comment, "comment_form": CommentForm()}
    return render(request, "feed/post_detail.html#reply_form", context)


@login_required_htmx
@require_http_methods(["GET", "POST"])
@rate_limited("write_comment")
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("post", "author__profile"), pk=pk)
    if not services.can_edit_comment(request.user, comment):
        raise PermissionDenied
    form = CommentForm(request.POST or None, initial={"text": comment.text})
    if request.method == "POST" and form.is_valid():
        services.edit_comment(user=request.user, comment=comment, text=form.cleaned_data["text"])
        if not request.htmx:
            messages.success(request, _("Comment updated."))
            return redirect(comment.get_absolute_url())
        return _thread_response(request, comment.post_id, focus=comment.pk)
    template = (
        "feed/post_detail.html#comment_edit_form" if request.htmx else "feed/comment_edit.html"
    )
    return render(request, template, {"comment": comment, "form": form, "post": comment.post})


@login_required_htmx
@require_POST
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("post"), pk=pk)
    services.delete_comment(user=request.user, comment=comment)
    if not request.htmx:
        messages.success(request, _("Comment deleted."))
        return redirect(f"{comment.post.get_absolute_url()}#comments-{comment.post_id}")
    return _thread_response(request, comment.post_id)
