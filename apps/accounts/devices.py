"""What a session's browser is, in words a member recognises ("Chrome on Linux"), read from the
User-Agent header it sent, with ua-parser's maintained rules."""

from functools import lru_cache

from django.utils.translation import gettext as _
from ua_parser import parse

# The operating systems ua-parser names in a form people do not use.
OS_NAMES = {"Mac OS X": "macOS"}


@lru_cache(maxsize=1024)
def browser_and_os(user_agent: str) -> tuple[str, str]:
    """Return the browser's and the operating system's names ("" where unknown). Parsing runs
    dozens of regular expressions; a member's few sessions repeat the same strings, so each
    string is parsed once per process."""
    if not user_agent.strip():
        return "", ""
    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent else ""
    system = result.os.family if result.os else ""
    browser = "" if browser == "Other" else browser
    system = "" if system == "Other" else OS_NAMES.get(system, system)
    return browser, system


def describe_browser(user_agent: str | None) -> str:
    """Return "Chrome on Linux", "Firefox", or "Unknown browser" for what cannot be read."""
    browser, system = browser_and_os(user_agent or "")
    if browser and system:
        return _("%(browser)s on %(os)s") % {"browser": browser, "os": system}
    return browser or _("Unknown browser")
