"""Drawing a network map: the child in the middle, three rings for how close
people are, each person a marker with their name. Colour and marker shape
both tell the kind of person, so the map also reads without colour."""

from __future__ import annotations

import importlib.util
import io
import math
from collections.abc import Callable, Mapping, Sequence
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
MAX_TITLE = 60  # a title has the whole top line, so it may be longer than a name
MARKER_GAP = 16  # from a marker's centre to the start of its name
LINE = 24  # height of a name's box for 20 px text

Box = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass(frozen=True)
class MapPerson:
    name: str
    kind: str  # family | friend | school | professional | other
    closeness: int  # 1 very close ... 3 further away


def short_name(name: str, limit: int = MAX_NAME) -> str:
    name = " ".join(name.split())
    return name if len(name) <= limit else name[: limit - 1] + "…"


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


def _overlap(a: Box, b: Box) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def label_boxes(
    people: Sequence[MapPerson],
    positions: Sequence[tuple[float, float]],
    text_width: Callable[[str], float],
    *,
    bounds: Box = (0, 0, WIDTH, HEIGHT),
    keep_clear: Sequence[Box] = (),
) -> list[Box]:
    """Where each (shortened) name goes, in input order. Greedy: each name
    takes the first spot beside its marker that covers no marker, no name
    placed before it and nothing in keep_clear; if there is none, the spot
    that covers least. Outer rings go first: their names have room outside,
    and the inner names then dodge between them."""
    middle_x = (bounds[0] + bounds[2]) / 2
    markers = [(x - 13, y - 13, x + 13, y + 13) for x, y in positions]
    placed: list[Box | None] = [None] * len(people)
    order = sorted(range(len(people)), key=lambda i: (-people[i].closeness, i))
    for i in order:
        x, y = positions[i]
        width = text_width(short_name(people[i].name))
        outward = 1 if x >= middle_x else -1  # names point away from the child
        candidates = []
        for side in (outward, -outward):
            for dy in (0, -LINE / 2, LINE / 2, -LINE, LINE, -1.5 * LINE, 1.5 * LINE, -2 * LINE, 2 * LINE):
                left = x + MARKER_GAP if side > 0 else x - MARKER_GAP - width
                candidates.append((left, y + dy - LINE / 2, left + width, y + dy + LINE / 2))
        for dy in (-(13 + LINE), 13):  # centred above, then below the marker
            candidates.append((x - width / 2, y + dy, x + width / 2, y + dy + LINE))
        obstacles = [m for j, m in enumerate(markers) if j != i] + [b for b in placed if b] + list(keep_clear)
        best, best_cost = candidates[0], math.inf
        for n, box in enumerate(candidates):
            outside = (box[2] - box[0]) * (box[3] - box[1]) - _overlap(box, bounds)
            cost = sum(_overlap(box, other) for other in obstacles) + 10 * outside
            if cost == 0:
                best = box
                break
            if cost + n < best_cost:  # + n: among equally bad spots, keep the natural one
                best, best_cost = box, cost + n
        placed[i] = best
    return [b for b in placed if b is not None]


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
        _text(draw, (WIDTH / 2, 30), short_name(title, MAX_TITLE), _font(30), anchor="mm")
    name_font = _font(20)
    positions = [(x + shift, y) for x, y in layout(people)]
    keep_clear = [
        (cx - 60, middle - 60, cx + 60, middle + 60),  # the child
        (0, HEIGHT - 75, WIDTH, HEIGHT),  # the legend
    ] + ([(0, 0, WIDTH, 55)] if title else [])
    boxes = label_boxes(people, positions, lambda text: draw.textlength(text, font=name_font), keep_clear=keep_clear)
    for person, (x, y) in zip(people, positions):
        _marker(draw, x, y, person.kind)
    for person, box in zip(people, boxes):
        _text(draw, (box[0], (box[1] + box[3]) / 2), short_name(person.name), name_font, anchor="lm")
    legend = legend_entries(people, kind_labels)
    x = 40
    for kind, label in legend:
        _marker(draw, x, HEIGHT - 45, kind, r=10)
        _text(draw, (x + 18, HEIGHT - 45), label, _font(22), anchor="lm")
        x += 40 + int(draw.textlength(label, font=_font(22))) + 20
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
