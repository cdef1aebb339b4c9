"""A static files finder for the app's icons (apps.core.app.icons): collectstatic copies them
with the other files (hashed names, compressed copies) in every build (the Docker image,
Heroku's build, `make run`, the tests' gunicorn), and DEBUG's static serving finds them too."""

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

from . import icons


class AppIconsFinder(BaseFinder):
    def __init__(self, *args: object, **kwargs: object) -> None:
        self._storage: FileSystemStorage | None = None

    @property
    def storage(self) -> FileSystemStorage:
        if self._storage is None:
            self._storage = FileSystemStorage(location=icons.build_folder())
        return self._storage

    def find(self, path: str, find_all: bool = False) -> str | list[str]:
        if path not in {icon.path for icon in icons.ICONS}:
            return []  # as Django's own finders say "not here", whatever find_all
        found = self.storage.path(path)
        return [found] if find_all else found

    def list(self, ignore_patterns: list[str] | None):
        for icon in icons.ICONS:
            yield icon.path, self.storage
