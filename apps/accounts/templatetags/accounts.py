from django import template
from django.utils.translation import gettext as _

from apps.accounts.devices import describe_browser

register = template.Library()
PROVIDERS = {"github": "GitHub", "google": "Google"}


@register.filter
def signed_in_with(codes: object) -> str:
    """The sessions list's "Signed in with": "Password + authenticator app", "Passkey"…"""
    labels = {
        "password": _("Password"),
        "totp": _("authenticator app"),
        "recovery_codes": _("recovery code"),
        "passkey": _("Passkey"),
        "security_key": _("security key"),
        "code": _("code sent by email"),
    }
    if not isinstance(codes, list) or not codes:
        return _("Not recorded")
    parts = []
    for code in map(str, codes):
        if code.startswith("social:"):
            provider = code.removeprefix("social:")
            parts.append(PROVIDERS.get(provider, provider.replace("_", " ").title()))
        else:
            parts.append(labels.get(code, _("other")))
    return " + ".join(parts)


@register.filter
def browser(user_agent: object) -> str:
    """The sessions list's "Chrome on Linux" for a session's User-Agent string."""
    return describe_browser(user_agent if isinstance(user_agent, str) else "")


@register.simple_tag(takes_context=True)
def signup_gate(context: template.Context):
    """Who may sign up in this browser now (accounts.selectors.signup_gate), for the signup
    pages to explain."""
    from apps.accounts.selectors import signup_gate as gate

    return gate(context["request"])
