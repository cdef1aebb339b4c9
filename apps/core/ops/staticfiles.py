"""Static files while two releases run side by side (a rolling deploy).

A page of release A names A's hashed CSS and JS; behind a load balancer its next request may
reach a node of release B, which only has B's. Two answers, by STATIC_STORAGE:

- `s3`: collectstatic also writes every hashed file to the bucket, where the files of every
  release stay (a hashed name never changes content, so nothing there is overwritten or
  deleted), and pages link them there: whichever node served a page, its files are found.
  The release step runs collectstatic (deploy/release.sh) before the release's nodes start.
- `local` (and, in both cases, what a page loads from its own origin): a node asked for a
  hashed name it does not have, whose file it knows under another hash, redirects to its own
  version of the file for a minute, instead of a 404 that leaves the page unstyled.
"""

import posixpath
import re
from urllib.parse import urldefrag

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.utils.encoding import filepath_to_uri
from django.views.decorators.http import require_safe
from whitenoise.storage import CompressedManifestStaticFilesStorage

# A name as ManifestStaticFilesStorage hashes it: the first 12 hex digits of its MD5 before
# the extension ("css/site.55e7cbb9ba48.css"), or at the end when there is none.
HASHED_NAME = re.compile(r"(?P<root>.+)\.[0-9a-f]{12}(?P<extension>\.[^./]+)?")
REDIRECT_CACHE = "public, max-age=60"  # the rollout is over in minutes


class BucketStaticStorage(CompressedManifestStaticFilesStorage):
    """Static files collected into STATIC_ROOT exactly as with whitenoise alone (hashed names,
    the manifest, compressed copies; whitenoise still serves them from the node), and the
    hashed files also written to the bucket, which pages link. `bucket` holds the S3Storage
    options (settings.STORAGES)."""

    def __init__(self, *args, bucket: dict, **kwargs) -> None:
        from storages.backends.s3 import S3Storage  # boto3, only for the sites that use it

        super().__init__(*args, **kwargs)
        self.bucket = S3Storage(**bucket)
        self._addresses: dict[str, str] = {}

    def url(self, name, force=False) -> str:
        """The file's address in the bucket (or its custom domain), unsigned: the same for
        every page, so browsers and CDNs keep it for a year."""
        if name not in self._addresses:
            path, fragment = urldefrag(name)
            address = self.bucket.url(self.stored_name(path))
            self._addresses[name] = f"{address}#{fragment}" if fragment else address
        return self._addresses[name]

    def same_origin_url(self, name) -> str:
        return super().url(name)

    def post_process(self, paths, dry_run=False, **options):
        yield from super().post_process(paths, dry_run=dry_run, **options)
        if not dry_run:
            yield from self._publish()

    def _publish(self):
        """Write to the bucket the hashed files it does not hold yet; never delete any."""
        prefix = f"{self.bucket.location}/" if self.bucket.location else ""
        try:
            held = {
                item.key.removeprefix(prefix)
                for item in self.bucket.bucket.objects.filter(Prefix=prefix)
            }
        except Exception as error:  # botocore's many errors: stop the release, say why
            yield "", None, RuntimeError(f"The bucket's static files could not be listed: {error}")
            return
        for name in sorted(set(self.hashed_files.values()) - held):
            try:
                with self.open(name) as content:
                    self.bucket.save(name, content)
            except Exception as error:
                yield (
                    name,
                    None,
                    RuntimeError(f"{name} could not be written to the bucket: {error}"),
                )
                return
            yield name, self.bucket.url(name), True


def same_origin_static(path: str) -> str:
    """The address of a static file on the site's own origin, whatever STATIC_STORAGE says,
    for what a browser loads only from there (a Web Worker's script) or, from elsewhere, only
    with CORS headers (a module script)."""
    same_origin_url = getattr(staticfiles_storage, "same_origin_url", None)
    return same_origin_url(path) if same_origin_url else static(path)


def _original_name(name: str) -> str | None:
    """The name whose hashed form `name` is, if hashing gives names like it."""
    hashed = HASHED_NAME.fullmatch(name)
    if hashed is None:
        return None
    root, extension = hashed["root"], hashed["extension"] or ""
    # "site.css.<hash>" is not how "site.css" is hashed.
    return root + extension if posixpath.splitext(root + extension) == (root, extension) else None


@require_safe
def other_release(request: HttpRequest, name: str) -> HttpResponse:
    """A static file whitenoise did not have. When its name is a hashed one whose file this
    release has under another hash (a page of the other release asked for it), redirect to
    this release's version; otherwise, or when that is the very name asked for, 404."""
    original = _original_name(name)
    manifest = getattr(staticfiles_storage, "hashed_files", None) or {}
    current = manifest.get(original) if original else None
    if current is None or current == name:
        raise Http404
    response = HttpResponseRedirect(settings.STATIC_URL + filepath_to_uri(current))
    response["Cache-Control"] = REDIRECT_CACHE
    return response
