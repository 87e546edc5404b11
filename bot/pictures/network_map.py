"""Drawing a network map: the child in the middle, three rings for how close
people are, each person a marker with their name. Colour and marker shape
both tell the kind of person, so the map also reads without colour."""

from __future__ import annotations

import importlib.util
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = 1000  # the rings' square; the picture is wider, so names fit beside the outer ring
WIDTH, HEIGHT = 1500, 1090
KINDS = ("family", "friend", "school", "professional", "other")
# Okabe-Ito colours: told apart with the common kinds of colour blindness.
COLOURS = {"family": "#D55E00", "friend": "#0072B2", "school": "#009E73", "professional": "#CC79A7", "other": "#7F7F7F"}
SHAPES = {"family": "circle", "friend": "square", "school": "triangle", "professional": "diamond", "other": "ring"}
RING_RADII = (150, 270, 390)  # closeness 1, 2, 3
MAX_NAME = 24


@dataclass(frozen=True)
class MapPerson:
    name: str
    kind: str  # family | friend | school | professional | other
    closeness: int  # 1 very close ... 3 further away


def short_name(name: str) -> str:
    name = " ".join(name.split())
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"


def legend_entries(people: Sequence[MapPerson], kind_labels: Mapping[str, str]) -> list[tuple[str, str]]:
    present = {p.kind for p in people}
    return [(kind, kind_labels.get(kind, kind)) for kind in KINDS if kind in present]


def layout(people: Sequence[MapPerson], size: int = SIZE) -> list[tuple[float, float]]:
    """Positions, in input order: on the ring of each person's closeness,
    spread evenly, kinds grouped together so they read as sectors."""
    centre = size / 2
    scale = size / SIZE
    positions: list[tuple[float, float] | None] = [None] * len(people)
    order = sorted(range(len(people)), key=lambda i: (KINDS.index(people[i].kind) if people[i].kind in KINDS else 99, i))
    for ring in (1, 2, 3):
        on_ring = [i for i in order if min(max(people[i].closeness, 1), 3) == ring]
        radius = RING_RADII[ring - 1] * scale
        offset = -math.pi / 2 + ring * 0.35  # rings start at different angles, so labels interleave
        for n, i in enumerate(on_ring):
            angle = offset + 2 * math.pi * n / len(on_ring)
            positions[i] = (centre + radius * math.cos(angle), centre + radius * math.sin(angle))
    return [p for p in positions if p is not None]


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.ImageFont:
    # DejaVu Sans (shipped with matplotlib) has å ä ö æ ø and the rest;
    # Pillow's built-in font does not.
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.origin:
        path = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _marker(draw: ImageDraw.ImageDraw, x: float, y: float, kind: str, r: float = 11) -> None:
    colour, shape = COLOURS.get(kind, COLOURS["other"]), SHAPES.get(kind, "ring")
    if shape == "circle":
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    elif shape == "square":
        draw.rectangle((x - r, y - r, x + r, y + r), fill=colour)
    elif shape == "triangle":
        draw.polygon(((x, y - r * 1.2), (x - r * 1.1, y + r * 0.8), (x + r * 1.1, y + r * 0.8)), fill=colour)
    elif shape == "diamond":
        draw.polygon(((x, y - r * 1.3), (x + r * 1.3, y), (x, y + r * 1.3), (x - r * 1.3, y)), fill=colour)
    else:
        draw.ellipse((x - r, y - r, x + r, y + r), outline=colour, width=5)


def _text(draw: ImageDraw.ImageDraw, xy, text: str, font, **kwargs) -> None:
    try:
        draw.text(xy, text, font=font, fill="#222222", **kwargs)
    except (UnicodeError, ValueError, OSError):
        # A character the built-in font cannot draw must not lose the whole map.
        draw.text(xy, text.encode("ascii", "replace").decode(), font=font, fill="#222222", **kwargs)


def network_map_png(people: Sequence[MapPerson], *, centre: str, kind_labels: Mapping[str, str], title: str | None = None) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    middle, shift = SIZE / 2, (WIDTH - SIZE) / 2
    cx = middle + shift
    for radius in RING_RADII:
        draw.ellipse((cx - radius, middle - radius, cx + radius, middle + radius), outline="#BBBBBB", width=2)
    draw.ellipse((cx - 60, middle - 60, cx + 60, middle + 60), fill="#FFF3C4", outline="#E6B800", width=3)
    _text(draw, (cx, middle), short_name(centre), _font(22), anchor="mm")
    if title:
        _text(draw, (WIDTH / 2, 30), short_name(title), _font(30), anchor="mm")
    name_font = _font(20)
    for person, (x, y) in zip(people, layout(people)):
        x += shift
        _marker(draw, x, y, person.kind)
        # Names point away from the centre, so they do not cover the inner rings.
        right = x >= cx
        _text(draw, (x + (16 if right else -16), y), short_name(person.name), name_font, anchor="lm" if right else "rm")
    legend = legend_entries(people, kind_labels)
    x = 40
    for kind, label in legend:
        _marker(draw, x, HEIGHT - 45, kind, r=10)
        _text(draw, (x + 18, HEIGHT - 45), label, _font(22), anchor="lm")
        x += 40 + int(draw.textlength(label, font=_font(22))) + 20
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
