"""What a browser sends when it subscribes (PushSubscription.toJSON() and its time zone), and a
member's push preferences (kinds and quiet hours), checked before anything is kept."""

import binascii
import ipaddress
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.hazmat.primitives.asymmetric import ec
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.social.forms import SWITCHABLE

from .keys import b64url_decode
from .models import Subscription

ENDPOINT_MAX = Subscription._meta.get_field("endpoint").max_length
P256DH_BYTES = 65  # an uncompressed P-256 point (RFC 8291 §3.1)
AUTH_BYTES = 16  # the authentication secret (RFC 8291 §3.2)
TIME_ZONE_MAX = 64

BAD_SUBSCRIPTION = _(
    "This browser's push subscription could not be read, so nothing was saved. Reload the "
    "page and turn push on again."
)

UNUSABLE_ENDPOINT = _(
    "This browser's push service is not one Eternity can send to, so nothing was saved."
)
UNREADABLE = {"required": BAD_SUBSCRIPTION, "max_length": BAD_SUBSCRIPTION}


def valid_time_zone(name: str) -> str:
    """`name` if it is an IANA time zone this server knows ("Europe/Moscow"), else ""."""
    if not name or len(name) > TIME_ZONE_MAX or name.startswith(("/", ".")) or ".." in name:
        return ""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ""
    return name


def _local_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False


def _known_push_service(host: str) -> bool:
    """Whether `host` is one of PUSH_SERVICE_HOSTS, or under one ("*" takes any host)."""
    host = host.lower().rstrip(".")
    return any(
        known == "*" or host == known or host.endswith("." + known)
        for known in settings.PUSH_SERVICE_HOSTS
    )


def _decoded(value: str, size: int) -> bytes:
    try:
        raw = b64url_decode(value)
    except (binascii.Error, ValueError):
        raise ValidationError(BAD_SUBSCRIPTION, code="base64") from None
    if len(raw) != size:
        raise ValidationError(BAD_SUBSCRIPTION, code="length")
    return raw


class SubscriptionForm(forms.Form):
    """A subscription as a browser gives it: an endpoint at a push service and the keys its
    messages are encrypted to. The endpoint must be https (the worker posts the member's
    notifications there), at one of the browsers' push services (PUSH_SERVICE_HOSTS: the
    worker never posts to a host a member names, such as one inside the site's own network);
    plain http or a local host only with DEBUG or PUSH_ALLOW_HTTP_ENDPOINTS (the tests'
    stand-in push service)."""

    endpoint = forms.CharField(max_length=ENDPOINT_MAX, error_messages=UNREADABLE)
    p256dh = forms.CharField(max_length=128, error_messages=UNREADABLE)
    auth = forms.CharField(max_length=64, error_messages=UNREADABLE)
    time_zone = forms.CharField(max_length=TIME_ZONE_MAX, required=False)

    def clean_endpoint(self) -> str:
        endpoint = self.cleaned_data["endpoint"].strip()
        local_allowed = settings.DEBUG or settings.PUSH_ALLOW_HTTP_ENDPOINTS
        try:
            parts = urlsplit(endpoint)
            parts.port  # noqa: B018 (a port that is not a number raises)
        except ValueError:
            raise ValidationError(BAD_SUBSCRIPTION, code="endpoint") from None
        schemes = {"https", "http"} if local_allowed else {"https"}
        if (
            parts.scheme not in schemes
            or not parts.hostname
            or parts.username is not None
            or parts.password is not None
            or parts.fragment
            or not endpoint.isascii()
            or any(char.isspace() for char in endpoint)
            or (_local_host(parts.hostname) and not local_allowed)
            or not (local_allowed or _known_push_service(parts.hostname))
        ):
            raise ValidationError(
                UNUSABLE_ENDPOINT,
                code="endpoint",
            )
        return endpoint

    def clean_p256dh(self) -> str:
        value = self.cleaned_data["p256dh"].strip()
        raw = _decoded(value, P256DH_BYTES)
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except ValueError:
            raise ValidationError(BAD_SUBSCRIPTION, code="point") from None
        if raw[0] != 4:
            raise ValidationError(BAD_SUBSCRIPTION, code="point")
        return value.rstrip("=")

    def clean_auth(self) -> str:
        value = self.cleaned_data["auth"].strip()
        _decoded(value, AUTH_BYTES)
        return value.rstrip("=")

    def clean_time_zone(self) -> str:
        return valid_time_zone(self.cleaned_data["time_zone"].strip())

    @classmethod
    def from_json(cls, data: object) -> "SubscriptionForm":
        """The form bound to PushSubscription.toJSON() plus `timeZone`: {"endpoint", "keys":
        {"p256dh", "auth"}, "expirationTime", "timeZone"}; anything else binds as missing."""
        data = data if isinstance(data, dict) else {}
        keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
        fields = {
            "endpoint": data.get("endpoint"),
            "p256dh": keys.get("p256dh"),
            "auth": keys.get("auth"),
            "time_zone": data.get("timeZone"),
        }
        return cls({name: value for name, value in fields.items() if isinstance(value, str)})


class PreferencesForm(forms.Form):
    """The kinds a member wants pushed and their quiet hours. Kinds switched off for the bell
    (`bell_muted`) are shown off and cannot be ticked: nothing is recorded to push."""

    kinds = forms.MultipleChoiceField(
        label=_("Push these to me"),
        choices=SWITCHABLE,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    quiet_from = forms.TimeField(
        label=_("Quiet from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_until = forms.TimeField(
        label=_("Quiet until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    time_zone = forms.CharField(max_length=TIME_ZONE_MAX, required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: object,
        muted: set[str],
        bell_muted: set[str],
        quiet_from=None,
        quiet_until=None,
        **kwargs: object,
    ) -> None:
        kwargs.setdefault("prefix", "push")  # beside the bell's own form on one page
        kwargs.setdefault(
            "initial",
            {
                "kinds": [k for k, _l in SWITCHABLE if k not in muted and k not in bell_muted],
                "quiet_from": quiet_from,
                "quiet_until": quiet_until,
            },
        )
        super().__init__(*args, **kwargs)
        self.bell_muted = bell_muted

    def clean_kinds(self) -> list[str]:
        return [kind for kind in self.cleaned_data["kinds"] if kind not in self.bell_muted]

    def clean_time_zone(self) -> str:
        return valid_time_zone(self.cleaned_data["time_zone"].strip())

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("quiet_from"), cleaned.get("quiet_until")
        if "quiet_from" in self.errors or "quiet_until" in self.errors:
            return cleaned
        if (start is None) != (end is None):
            missing = "quiet_until" if end is None else "quiet_from"
            self.add_error(
                missing, _("Give both times for quiet hours, or clear both to have none.")
            )
        elif start is not None and start == end:
            self.add_error(
                "quiet_until", _("Quiet hours must end at another time than they start.")
            )
        return cleaned

    def muted_kinds(self) -> list[str]:
        wanted = set(self.cleaned_data["kinds"])
        return [kind for kind, _label in SWITCHABLE if kind not in wanted]
