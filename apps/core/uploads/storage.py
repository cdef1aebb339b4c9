"""Uploads in an S3 bucket, with signed addresses that stay the same for a while.

botocore signs an address at the moment it is asked to, so a private bucket's image would get
a new address on every page and no browser or CDN could reuse what it fetched. Here every
address is signed as at the start of the current period (MEDIA_URL_PERIOD) and valid for two
periods from then: the same address all period long, and each one still valid for at least a
whole period after a page showed it.
"""

import time
from datetime import UTC, datetime
from functools import cached_property

from botocore.auth import SIGV4_TIMESTAMP, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from storages.backends.s3 import S3Storage
from storages.utils import clean_name, setting

# A signature version 4 address lives at most seven days, so two periods must fit in them.
LONGEST_PERIOD = 7 * 24 * 3600 // 2


class SignedAt(S3SigV4QueryAuth):
    """botocore's query-string signer (signature version 4), dated `moment` instead of now."""

    def __init__(self, credentials, region_name: str, expires: int, moment: datetime) -> None:
        super().__init__(credentials, "s3", region_name, expires=expires)
        self.moment = moment

    def _modify_request_before_signing(self, request: AWSRequest) -> None:
        # Everything signed (the date, the scope, the signature) is read from here after this.
        request.context["timestamp"] = self.moment.strftime(SIGV4_TIMESTAMP)
        super()._modify_request_before_signing(request)


class PeriodSignedS3Storage(S3Storage):
    """S3Storage whose signed GET addresses are identical within each period of
    `url_period` seconds. Unsigned addresses (a public bucket, a custom domain) are left as
    django-storages makes them: they never change."""

    def get_default_settings(self) -> dict:
        return {**super().get_default_settings(), "url_period": setting("MEDIA_URL_PERIOD", 3600)}

    def url(self, name, parameters=None, expire=None, http_method=None) -> str:
        if (
            not self.querystring_auth
            or self.custom_domain
            or expire is not None
            or http_method not in (None, "GET")
        ):
            return super().url(name, parameters, expire, http_method)
        key = self._normalize_name(clean_name(name))
        address = self.unsigned_connection.meta.client.generate_presigned_url(
            "get_object", Params={**(parameters or {}), "Bucket": self.bucket_name, "Key": key}
        )
        now = int(time.time())
        start = now - now % self.url_period
        request = AWSRequest(method="GET", url=address)
        credentials = self._credentials.get_frozen_credentials() if self._credentials else None
        SignedAt(
            credentials,
            self.connection.meta.client.meta.region_name,
            expires=2 * self.url_period,
            moment=datetime.fromtimestamp(start, UTC),
        ).add_auth(request)
        return request.url

    @cached_property
    def _credentials(self):
        """The session's credentials, which renew themselves where they expire (a role's)."""
        return self._create_session().get_credentials()

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_credentials", None)  # may hold a lock; made again when needed
        return state
