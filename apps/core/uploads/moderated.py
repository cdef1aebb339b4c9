"""Images taken out of public view: a removed post's, a suspended member's.

They stay in the same storage, under `moderated/<owner id>/<folder>/`, where nothing public
serves them: nginx refuses the prefix, the public media view's names cannot reach it, and on
S3 it is a prefix of its own that a public bucket policy leaves out. Only an authorised view
(the moderation app's) hands them out, to their owner and to moderators. A file moves there,
and back, under a new random name, so an address that was once public never works again.
"""

import re
import uuid
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from .images import delete_quietly

PREFIX = "moderated/"
# What hide() writes: the prefix, the owner's id, the public folder, a name the pipeline made.
MODERATED_NAME = re.compile(
    r"^moderated/(?P<owner>[0-9]{1,20})/(?P<folder>[a-z]+)/"
    r"(?P<file>[A-Za-z0-9_-]{1,100}\.(?P<ext>jpg|jpeg|png|webp|gif))\Z"
)
RANDOM_STEM = re.compile(r"^[0-9a-f]{32}")


def is_moderated(name: str) -> bool:
    return name.startswith(PREFIX)


def parse(name: str) -> re.Match | None:
    """The parts of a moderated file's name (owner, folder, file, ext), or None."""
    return MODERATED_NAME.match(name)


def _renamed(file_name: str) -> str:
    """A new random name keeping what follows the random part (a thumbnail's "-96")."""
    path = PurePosixPath(file_name)
    stem = RANDOM_STEM.sub("", path.stem) if RANDOM_STEM.match(path.stem) else ""
    return f"{uuid.uuid4().hex}{stem}{path.suffix}"


def hide(storage: Storage, name: str, *, owner_id: int) -> str:
    """Move the public file `name` into the moderated prefix; return its new name."""
    path = PurePosixPath(name)
    return _move(storage, name, f"{PREFIX}{owner_id}/{path.parent}/{_renamed(path.name)}")


def unhide(storage: Storage, name: str) -> str:
    """Move the moderated file `name` back to its public folder; return its new name."""
    match = parse(name)
    if match is None:
        raise ValueError(f"Not a moderated file: {name}")
    return _move(storage, name, f"{match['folder']}/{_renamed(match['file'])}")


def copy(storage: Storage, name: str, *, owner_id: int, folder: str) -> str:
    """Copy the file `name` (a private one, which stays) into the moderated prefix under
    `folder`, for moderators to see as it was even once the original is deleted; return the
    copy's name."""
    with storage.open(name, "rb") as source:
        content = source.read()
    new = f"{PREFIX}{owner_id}/{folder}/{_renamed(PurePosixPath(name).name)}"
    try:
        return storage.save(new, ContentFile(content))
    except Exception:
        delete_quietly(storage, [new])  # a random name: anything there is our part
        raise


def move_across(storage: Storage, name: str, *, owner_id: int) -> str:
    """Hide the public file `name`, or bring the moderated one back; return its new name."""
    return unhide(storage, name) if is_moderated(name) else hide(storage, name, owner_id=owner_id)


def _move(storage: Storage, old: str, new: str) -> str:
    """Copy `old` to `new`, then delete `old`; return the name the copy was stored under.
    Storage APIs have no rename: when either step fails, what the other did is undone as far
    as the storage allows, and the error is raised, so the file stays where its row says."""
    with storage.open(old, "rb") as source:
        content = source.read()
    try:
        stored = storage.save(new, ContentFile(content))
    except Exception:
        delete_quietly(storage, [new])  # a random name: anything there is our part
        raise
    try:
        storage.delete(old)
    except Exception:
        delete_quietly(storage, [stored])
        raise
    return stored
