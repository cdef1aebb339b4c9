"""Who may not sign up: new addresses at blocked email domains, and visitors from blocked
networks.

Email domains: the list of disposable-mail domains (the one shipped in the
disposable-email-domains package, or the newer one an operator loaded with
`manage.py update_email_blocklist`), and the operator's rules in the admin, which block a
domain or allow one the list wrongly blocks. A domain covers its subdomains, and names are
compared in lower case and in their ASCII (IDNA) form, so "X.Mailinator.COM" and a Unicode
spelling are caught too. Only a new address is checked (signup, social signup, adding or
changing an address); accounts that already hold one keep it.

Networks: address ranges in the admin, matched against the client address exactly as the rate
limits see it (apps.core.web.ratelimit.client_ip: TRUSTED_PROXY_COUNT, IPv6 by its /64).
"""

import functools
import ipaddress
import logging
import re
import unicodedata

from disposable_email_domains import blocklist as SHIPPED_DISPOSABLE
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.core.web.ratelimit import IPV6_PREFIX, client_ip

from .models import BlockedNetwork, DisposableDomain, EmailDomainRule

logger = logging.getLogger(__name__)

BLOCKED_DOMAIN = _("Addresses at this domain can't be used to sign up. Please use another address.")
BLOCKED_NETWORK = _(
    "Signing up is not possible from your network. Nothing was created. If you think this is "
    "a mistake, write to the site's operators."
)
LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
DOMAIN = re.compile(rf"{LABEL}(\.{LABEL})+")


def clean_domain(value: str) -> str:
    """The ASCII, lower-case form of a domain ("Bücher.example." -> "xn--bcher-kva.example");
    a ValidationError for anything that is not one. A leading "@" or "*." is dropped."""
    domain = unicodedata.normalize("NFKC", str(value)).strip().lower().rstrip(".")
    domain = domain.removeprefix("@").removeprefix("*.")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        domain = ""
    if len(domain) > 253 or not DOMAIN.fullmatch(domain):
        raise ValidationError(_("Enter a domain name, such as example.com."), code="invalid")
    return domain


def _domain_of(email: str) -> str | None:
    try:
        return clean_domain(str(email).rpartition("@")[2])
    except ValidationError:
        return None  # not an address: the email field says so


def _with_parents(domain: str) -> list[str]:
    """x.mailinator.com -> [x.mailinator.com, mailinator.com]; never the bare top level."""
    labels = domain.split(".")
    return [".".join(labels[start:]) for start in range(len(labels) - 1)]


def email_domain_blocked(email: str) -> bool:
    """Whether a new address at this domain is refused. At most three small queries."""
    domain = _domain_of(email)
    if domain is None:
        return False
    names = _with_parents(domain)
    rules = dict(EmailDomainRule.objects.filter(domain__in=names).values_list("domain", "action"))
    for name in names:  # the most specific first
        if name in rules:
            return rules[name] == EmailDomainRule.Action.BLOCK
    if DisposableDomain.objects.filter(domain__in=names).exists():
        return True
    if DisposableDomain.objects.exists():
        return False  # the operator's newer list replaces the shipped one
    return any(name in SHIPPED_DISPOSABLE for name in names)


def check_new_address(email: str) -> None:
    """Raise the form error for a new address at a blocked domain."""
    if email and email_domain_blocked(email):
        raise ValidationError(BLOCKED_DOMAIN, code="blocked_domain")


def clean_network(value: str) -> str:
    """The canonical form of an address range ("203.0.113.7/24" -> "203.0.113.0/24"); IPv6
    ranges narrower than the /64 the rate limits see a client as are refused."""
    try:
        network = ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        raise ValidationError(
            _("Enter an address or a range, such as 203.0.113.0/24 or 2001:db8::/48."),
            code="invalid",
        ) from None
    if network.version == 6 and network.prefixlen > IPV6_PREFIX:
        raise ValidationError(
            _("IPv6 clients are matched by their /64 network: use /64 or a wider range."),
            code="too_narrow",
        )
    return str(network)


@functools.lru_cache(maxsize=4096)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)


def blocked_network(request: HttpRequest) -> str | None:
    """The blocked range the request comes from, if any. One small query."""
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    for text in BlockedNetwork.objects.values_list("network", flat=True):
        network = _network(text)
        if ip.version == network.version and ip in network:
            logger.warning("Signup refused: %s is in the blocked network %s", address, network)
            return str(network)
    return None
