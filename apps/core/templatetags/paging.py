from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def next_page_url(context: template.Context, cursor: str) -> str:
    """This page's address asking for the page after `cursor`, its other parameters (the
    tab, the search) kept."""
    request = context["request"]
    query = request.GET.copy()
    query["after"] = cursor
    return f"{request.path}?{query.urlencode()}"
