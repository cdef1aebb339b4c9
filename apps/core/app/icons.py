"""The app's icons, drawn from the brand with Pillow: the site's teal with a mint block "E",
the first letter of the ETERNITY wordmark. Drawn, not committed, so a change of colour or
shape here is the only edit a new icon needs; apps.core.app.finders hands them to
collectstatic and to DEBUG's static serving."""

import hashlib
import io
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

TEAL = (15, 118, 110)  # --bs-primary, light theme
MINT = (227, 246, 238)  # --et-bar, light theme
WHITE = (255, 255, 255)
PREFIX = "app"  # their folder among the static files


@dataclass(frozen=True)
class Icon:
    """One icon file: its size in pixels, how much of it the letter may fill (a maskable icon
    keeps it inside the central 80 % safe zone a launcher's mask never cuts), and whether it
    is a notification badge (white on transparent: Android draws only its shape)."""

    name: str
    size: int
    letter: float = 0.5
    rounded: bool = True
    badge: bool = False

    @property
    def path(self) -> str:
        return f"{PREFIX}/{self.name}"


ICONS = (
    Icon("icon-192.png", 192),
    Icon("icon-512.png", 512),
    # Full bleed: the launcher cuts its own shape; the letter stays well inside the safe zone.
    Icon("icon-maskable-512.png", 512, letter=0.4, rounded=False),
    # iOS rounds the corners itself and shows transparency as black.
    Icon("apple-touch-icon.png", 180, rounded=False),
    Icon("badge-96.png", 96, letter=0.7, rounded=False, badge=True),
)


def draw(icon: Icon) -> bytes:
    """The icon as PNG bytes. Drawn at four times its size and scaled down, for smooth edges."""
    scale = 4
    side = icon.size * scale
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if not icon.badge:
        if icon.rounded:
            pen.rounded_rectangle((0, 0, side - 1, side - 1), radius=side // 5, fill=TEAL)
        else:
            pen.rectangle((0, 0, side - 1, side - 1), fill=TEAL)
    ink = WHITE if icon.badge else MINT
    # A monospace-looking block "E": a spine and three arms, the middle one shorter.
    height = side * icon.letter
    width = height * 0.72
    stroke = height * 0.2
    left = (side - width) / 2
    top = (side - height) / 2
    pen.rectangle((left, top, left + stroke, top + height), fill=ink)
    pen.rectangle((left, top, left + width, top + stroke), fill=ink)
    middle = top + (height - stroke) / 2
    pen.rectangle((left, middle, left + width * 0.82, middle + stroke), fill=ink)
    pen.rectangle((left, top + height - stroke, left + width, top + height), fill=ink)
    image = image.resize((icon.size, icon.size), Image.Resampling.LANCZOS)
    if not icon.badge and not icon.rounded:
        image = image.convert("RGB")  # opaque, as launchers and iOS expect
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _version() -> str:
    """Changes whenever the drawing may: this module's source and Pillow's version."""
    source = Path(__file__).read_bytes() + Image.__version__.encode()
    return hashlib.sha256(source).hexdigest()[:12]


_lock = threading.Lock()


def build_folder() -> Path:
    """A folder holding every icon under PREFIX/, drawn on first use. It lives in the OS's
    temporary folder, named for the drawing's version: nothing to commit or ignore, writable
    in a Docker build and on Heroku, and shared by the processes of one machine (each file is
    written whole, then renamed into place)."""
    folder = Path(tempfile.gettempdir()) / f"eternity-icons-{_version()}"
    with _lock:
        for icon in ICONS:
            target = folder / icon.path
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, partial = tempfile.mkstemp(dir=target.parent, suffix=".part")
            with os.fdopen(handle, "wb") as file:
                file.write(draw(icon))
            os.replace(partial, target)
    return folder
