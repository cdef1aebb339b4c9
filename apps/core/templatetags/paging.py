from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def next_page_url(context: template.Context, cursor: str, **more: str | None) -> str:
    """This page's address asking for the page after `cursor`, its other parameters (the
    tab, the search) kept, and those of `more` that have a value added."""
    request = context["request"]
    query = request.GET.copy()
    query["after"] = cursor
    for name, value in more.items():
        if value:
            query[name] = value
    return f"{request.path}?{query.urlencode()}"
