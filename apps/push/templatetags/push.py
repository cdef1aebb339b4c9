from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from ..views import SECTION, section_context

register = template.Library()


@register.simple_tag(takes_context=True)
def push_settings_section(context: template.Context) -> SafeString:
    """The push section, for the notification settings page (templates/social): rendered by
    push, which the page's own app cannot import."""
    request = context["request"]
    return render_to_string(SECTION, section_context(request), request)
