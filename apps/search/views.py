"""One search box for people and posts. The page and its live results are one template,
search/results.html: typing swaps its results partial, scrolling adds a page of posts."""

import unicodedata

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from apps.core.db.paging import requested_page, wants_fragment
from apps.core.web.ratelimit import rate_limited
from apps.feed import selectors as feed_selectors
from apps.profiles import selectors as profile_selectors

MAX_QUERY_LENGTH = 100  # also the inputs' maxlength in search/results.html, navbar_search.html


def _clean_query(raw: str) -> tuple[str, bool]:
    """The words to search for, NFKC-normalised, control and invisible characters read as
    spaces; at most MAX_QUERY_LENGTH characters. Also whether the input was cut."""
    text = "".join(c if c.isprintable() else " " for c in unicodedata.normalize("NFKC", raw))
    text = " ".join(text.split())
    return text[:MAX_QUERY_LENGTH].strip(), len(text) > MAX_QUERY_LENGTH


@require_safe
@rate_limited("search", methods=("GET", "HEAD"))
def results(request: HttpRequest) -> HttpResponse:
    query, cut = _clean_query(request.GET.get("q", ""))
    page = requested_page(
        request,
        lambda cursor: feed_selectors.search_posts(viewer=request.user, query=query, cursor=cursor),
    )
    context = {"query": query, "cut": cut, "page": page}
    if wants_fragment(request, page):
        return render(request, "search/results.html#post_page", context)
    if page.is_first:
        context["people"] = profile_selectors.search_people(viewer=request.user, query=query)
    if request.htmx and not request.htmx.history_restore_request:
        # Typing: the results, and the count out of band into the page's live region.
        return render(request, "search/results.html#results", context | {"swap_status": True})
    return render(request, "search/results.html", context)
