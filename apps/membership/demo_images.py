"""Pictures for the demo that look like photographs, drawn with Pillow alone (no network, no
files): landscapes (a sky, a sun or a moon, ridges fading into the haze, a lake that mirrors
them, film grain), out-of-focus lights, and soft portraits for avatars. Each is drawn from a
seed, so the demo looks the same on every run and in every screenshot; each is kept once
drawn, so loading the demo again (the browser tests load it per test) costs nothing more."""

import io
import itertools
import random
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

RGB = tuple[int, int, int]
# Drawn at half the size they are stored at, then enlarged: a lens's softness for free, and a
# quarter of the work (the blurs are most of it).
SIZE = (1200, 800)
WIDTH, HEIGHT = SIZE[0] // 2, SIZE[1] // 2
AVATAR = 512


@dataclass(frozen=True)
class Scene:
    """A landscape's light: the sky from its top to the horizon, the sun's (or moon's)
    colour, the nearest ridge's colour, and whether it is night (stars, a moon)."""

    zenith: RGB
    horizon: RGB
    sun: RGB
    ground: RGB
    night: bool = False


DAWN = Scene((70, 104, 168), (255, 196, 140), (255, 236, 200), (38, 44, 62))
DUSK = Scene((44, 52, 110), (250, 128, 84), (255, 214, 150), (30, 26, 44))
NOON = Scene((58, 128, 208), (196, 224, 240), (255, 252, 236), (42, 74, 60))
NIGHT = Scene((8, 12, 34), (46, 64, 108), (236, 236, 220), (10, 14, 26), night=True)
MIST = Scene((150, 166, 180), (224, 226, 222), (255, 250, 236), (60, 72, 78))


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _finish(
    image: Image.Image, rng: random.Random, size: tuple[int, int], grain: float, vignette: float
) -> bytes:
    """Enlarged to `size`, darker in the corners, with film grain if asked, as JPEG bytes."""
    image = _vignette(image.resize(size, Image.Resampling.BICUBIC), vignette)
    if grain:
        image = _grain(image, rng, grain)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def _vertical(size: tuple[int, int], stops: list[tuple[float, RGB]]) -> Image.Image:
    """A vertical gradient through colour stops (position 0..1, colour), drawn one pixel wide
    and stretched, which is as smooth and far quicker than drawing every line."""
    height = 256
    column = []
    for i in range(height):
        t = i / (height - 1)
        for (t0, c0), (t1, c1) in itertools.pairwise(stops):
            if t0 <= t <= t1:
                column.append(_mix(c0, c1, (t - t0) / ((t1 - t0) or 1)))
                break
        else:
            column.append(stops[-1][1])
    strip = Image.new("RGB", (1, height))
    strip.putdata(column)
    return strip.resize(size, Image.Resampling.BILINEAR)


def _ridge(rng: random.Random, width: int, base: float, roughness: float) -> list[float]:
    """A mountain ridge by midpoint displacement: heights at 2**n + 1 points across."""
    points = 129
    heights = [0.0] * points
    heights[0] = base + rng.uniform(-roughness, roughness)
    heights[-1] = base + rng.uniform(-roughness, roughness)
    step, spread = points - 1, roughness
    while step > 1:
        half = step // 2
        for left in range(0, points - 1, step):
            middle = (heights[left] + heights[left + step]) / 2
            heights[left + half] = middle + rng.uniform(-spread, spread)
        step, spread = half, spread * 0.55
    return heights


def _grain(image: Image.Image, rng: random.Random, strength: float) -> Image.Image:
    """Film grain: the seed's noise (never Pillow's unseeded one), softened, around mid-grey,
    added to every channel; `strength` is its spread in levels either side."""
    half = (image.width // 2, image.height // 2)
    noise = Image.frombytes("L", half, rng.randbytes(half[0] * half[1]))
    noise = noise.resize(image.size, Image.Resampling.BILINEAR)
    noise = noise.point(lambda v: round(128 + (v - 128) * strength / 40))
    return ImageChops.add(image, Image.merge("RGB", (noise, noise, noise)), 1.0, -128)


@lru_cache(maxsize=32)
def landscape(seed: int, scene: Scene = DAWN) -> bytes:
    """Mountains over a lake under a sky, as JPEG bytes."""
    rng = random.Random(seed)  # noqa: S311 (a picture's seed, not a secret)
    horizon = int(HEIGHT * rng.uniform(0.56, 0.64))  # the lake's shore
    sky = _vertical((WIDTH, HEIGHT), [(0.0, scene.zenith), (horizon / HEIGHT, scene.horizon),
                                      (1.0, scene.horizon)])  # fmt: skip
    if scene.night:
        draw = ImageDraw.Draw(sky)
        for _ in range(260):
            x, y = rng.randrange(WIDTH), rng.randrange(int(horizon * 0.9))
            shade = rng.randrange(150, 256)
            draw.point((x, y), fill=(shade, shade, min(255, shade + 20)))
    # The sun or the moon, with a glow around it.
    radius = rng.randint(17, 26) if scene.night else rng.randint(23, 35)
    cx = rng.randint(WIDTH // 5, WIDTH * 4 // 5)
    cy = int(horizon * rng.uniform(0.2, 0.45))
    glow = Image.new("L", (WIDTH, HEIGHT), 0)
    ImageDraw.Draw(glow).ellipse((cx - radius * 4, cy - radius * 4, cx + radius * 4,
                                  cy + radius * 4), fill=110)  # fmt: skip
    glow = glow.resize((WIDTH // 8, HEIGHT // 8)).filter(ImageFilter.GaussianBlur(4))
    sky = Image.composite(Image.new("RGB", sky.size, scene.sun), sky,
                          glow.resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR))  # fmt: skip
    disc = Image.new("L", (WIDTH, HEIGHT), 0)
    ImageDraw.Draw(disc).ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=255)
    sky = Image.composite(Image.new("RGB", sky.size, scene.sun), sky,
                          disc.filter(ImageFilter.GaussianBlur(1)))  # fmt: skip
    # Ridges, far to near: the far ones high and jagged, pale with haze (aerial perspective),
    # the near ones low and rounded, in the ground's colour; each lit a little from above.
    layers = rng.randint(3, 4)
    for layer in range(layers):
        depth = layer / (layers - 1)  # 0 the farthest, 1 the nearest
        top = horizon - HEIGHT * (0.30 - 0.22 * depth) * rng.uniform(0.85, 1.1)
        heights = _ridge(rng, WIDTH, top, HEIGHT * (0.11 - 0.07 * depth))
        haze = _mix(scene.horizon, scene.zenith, 0.3)
        colour = _mix(haze, scene.ground, 0.35 + 0.65 * depth**1.3)
        lit = _mix(colour, scene.sun, 0.22 * (1 - depth))
        shape = Image.new("L", (WIDTH, HEIGHT), 0)
        draw = ImageDraw.Draw(shape)
        step = WIDTH / (len(heights) - 1)
        outline = [(i * step, h) for i, h in enumerate(heights)]
        draw.polygon([*outline, (WIDTH, horizon), (0, horizon)], fill=255)
        if layer == layers - 1:  # a line of pines along the nearest ridge
            x = 0.0
            while x < WIDTH:
                ridge = heights[min(int(x / step), len(heights) - 1)]
                tall, half = rng.uniform(6, 20), rng.uniform(2, 4.5)
                draw.polygon([(x - half, ridge + 3), (x + half, ridge + 3), (x, ridge - tall)],
                             fill=255)  # fmt: skip
                x += rng.uniform(2, 7)
        fill = _vertical((WIDTH, HEIGHT), [(0.0, lit), (horizon / HEIGHT, colour),
                                           (1.0, colour)])  # fmt: skip
        sky = Image.composite(fill, sky, shape)
        if layer < layers - 1:  # mist in the valley before the next ridge
            band = max(1, int(horizon - top))
            mist = Image.new("L", (WIDTH, HEIGHT), 0)
            mist.paste(Image.linear_gradient("L").resize((WIDTH, band)).point(lambda v: v // 3),
                       (0, horizon - band))  # fmt: skip
            sky = Image.composite(Image.new("RGB", sky.size, haze), sky, mist)
    # The lake mirrors what is above the shore, darker, broken into ripples.
    land = sky.crop((0, 0, WIDTH, horizon))
    mirrored = ImageOps.flip(land).crop((0, 0, WIDTH, HEIGHT - horizon))
    water = Image.new("RGB", mirrored.size)
    y = 0
    while y < mirrored.height:
        band = rng.randint(1, 3)
        shift = round(rng.gauss(0, 0.5 + 3 * y / mirrored.height))
        water.paste(mirrored.crop((0, y, WIDTH, y + band)), (shift, y))
        water.paste(mirrored.crop((0, y, WIDTH, y + band)), (shift - WIDTH if shift > 0 else
                                                            shift + WIDTH, y))  # fmt: skip
        y += band
    tint = _mix(scene.ground, scene.zenith, 0.4)
    water = Image.blend(water, Image.new("RGB", water.size, tint), 0.38)
    water = water.filter(ImageFilter.GaussianBlur(0.8))
    photo = sky.copy()
    photo.paste(water, (0, horizon))
    shore = Image.new("L", (WIDTH, HEIGHT), 0)
    ImageDraw.Draw(shore).rectangle((0, horizon - 1, WIDTH, horizon + 2), fill=255)
    photo = Image.composite(photo.filter(ImageFilter.GaussianBlur(1)), photo, shore)
    return _finish(photo, rng, SIZE, grain=0, vignette=0.35)  # grain triples the bytes


@lru_cache(maxsize=32)
def bokeh(seed: int, light: RGB, dark: RGB) -> bytes:
    """Out-of-focus lights (a garden, a café window at night), as JPEG bytes."""
    rng = random.Random(seed)  # noqa: S311 (a picture's seed, not a secret)
    photo = _vertical((WIDTH, HEIGHT), [(0.0, dark), (0.6, _mix(dark, light, 0.35)),
                                        (1.0, dark)])  # fmt: skip
    for blur, count, alpha in ((12, 18, 90), (5, 22, 130), (2, 12, 170)):
        layer = Image.new("RGB", photo.size, (0, 0, 0))
        mask = Image.new("L", photo.size, 0)
        draw_layer, draw_mask = ImageDraw.Draw(layer), ImageDraw.Draw(mask)
        for _ in range(count):
            r = rng.randint(10, 45)
            x, y = rng.randrange(WIDTH), rng.randint(HEIGHT // 8, HEIGHT * 7 // 8)
            colour = _mix(light, (255, 255, 255), rng.uniform(0, 0.5))
            draw_layer.ellipse((x - r, y - r, x + r, y + r), fill=colour)
            draw_mask.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(alpha // 2, alpha))
        small = (WIDTH // 4, HEIGHT // 4)
        mask = mask.resize(small).filter(ImageFilter.GaussianBlur(blur / 4)).resize(photo.size)
        photo = Image.composite(layer, photo, mask)
    return _finish(photo, rng, SIZE, grain=0, vignette=0.45)


@lru_cache(maxsize=32)
def portrait(seed: int, background: RGB, skin: RGB, clothes: RGB) -> bytes:
    """A soft, abstract head-and-shoulders portrait against a lit backdrop, as JPEG bytes."""
    rng = random.Random(seed)  # noqa: S311 (a picture's seed, not a secret)
    size = AVATAR // 2
    light = _mix(background, (255, 255, 255), 0.55)
    dx, dy = rng.randint(-40, 40), rng.randint(-30, 30)
    glow = Image.radial_gradient("L").resize((size * 2, size * 2))
    glow = glow.crop((size // 2 + dx, size // 3 + dy, size // 2 + dx + size, size // 3 + dy + size))
    photo = ImageOps.colorize(glow, light, _mix(background, (0, 0, 0), 0.45))
    x = size // 2 + rng.randint(-15, 15)  # the head's centre
    y = rng.randint(100, 112)
    w, h = rng.randint(40, 47), rng.randint(52, 58)
    # Skin lit from one side, clothes darker below, hair a darker cap around the face.
    figure = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(figure)
    draw.rectangle((x - 22, y + 30, x + 22, y + 90), fill=255)  # neck
    draw.ellipse((x - w, y - h, x + w, y + h), fill=255)
    lit_from = rng.choice((0, 180))
    skin_light = ImageOps.colorize(
        Image.linear_gradient("L").rotate(90 + lit_from).resize((size, size)),
        _mix(skin, (255, 255, 255), 0.25), _mix(skin, (0, 0, 0), 0.35),
    )  # fmt: skip
    photo = Image.composite(skin_light, photo, figure.filter(ImageFilter.GaussianBlur(1.5)))
    body = Image.new("L", (size, size), 0)
    spread = rng.randint(60, 80)
    ImageDraw.Draw(body).ellipse((x - spread - 25, y + 72, x + spread + 25, size + 150), fill=255)
    cloth = ImageOps.colorize(Image.linear_gradient("L").resize((size, size)),
                              _mix(clothes, (255, 255, 255), 0.15),
                              _mix(clothes, (0, 0, 0), 0.4))  # fmt: skip
    photo = Image.composite(cloth, photo, body.filter(ImageFilter.GaussianBlur(2)))
    hair = Image.new("L", (size, size), 0)
    length = rng.randint(0, 60)
    draw = ImageDraw.Draw(hair)
    draw.ellipse((x - w - 5, y - h - 7, x + w + 5, y + length // 3), fill=255)
    draw.rectangle((x - w - 5, y - 10, x - w + 11, y + length), fill=255)
    draw.rectangle((x + w - 11, y - 10, x + w + 5, y + length), fill=255)
    face = Image.new("L", (size, size), 0)
    ImageDraw.Draw(face).ellipse((x - w + 8, y - h + 18, x + w - 8, y + h), fill=255)
    hair = ImageChops.subtract(hair, face).filter(ImageFilter.GaussianBlur(2.5))
    colour = rng.choice(((44, 30, 22), (90, 60, 36), (160, 120, 70), (24, 22, 24)))
    photo = Image.composite(Image.new("RGB", (size, size), colour), photo, hair)
    photo = photo.filter(ImageFilter.GaussianBlur(1))  # a shallow depth of field
    return _finish(photo, rng, (AVATAR, AVATAR), grain=3, vignette=0.4)


def _vignette(image: Image.Image, strength: float) -> Image.Image:
    """Darker corners, as through a real lens."""
    mask = Image.radial_gradient("L").resize(image.size, Image.Resampling.BILINEAR)
    mask = mask.point(lambda v: round(max(0, v - 120) * strength * 255 / 135))
    return Image.composite(Image.new("RGB", image.size, (0, 0, 0)), image, mask)
