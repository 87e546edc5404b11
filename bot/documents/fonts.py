"""The document font: DejaVu Sans, shipped with matplotlib (no download).

It draws every Nordic letter (å ä ö æ ø, Finnish š ž), Hebrew and Arabic,
and the common symbols; emoji it does not have (see `text.printable`).
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

FAMILY = "DejaVu"
# The oblique faces lack Arabic: a quote in Arabic falls back to the upright face.
FALLBACK_FAMILY = "DejaVuUpright"
# fpdf2 style letters → file name in matplotlib's fonts/ttf folder
FILES = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "I": "DejaVuSans-Oblique.ttf",  # quotes; bold italic is never used
}


@lru_cache(maxsize=1)
def font_dir() -> Path:
    # Found without importing matplotlib (and numpy with it): the bot process
    # starts faster and smaller, and loads them only when it draws a chart.
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        raise RuntimeError("matplotlib is not installed: its DejaVu fonts draw the plan document")
    return Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"


def font_path(style: str = "") -> Path:
    return font_dir() / FILES[style]


@lru_cache(maxsize=1)
def covered() -> frozenset[int]:
    """The code points both upright faces can draw (their intersection), so that
    a character printable in body text is printable in bold too; the oblique
    faces fall back to the upright one for what they lack."""
    points: frozenset[int] | None = None
    for name in (FILES[""], FILES["B"]):
        font = TTFont(font_dir() / name, lazy=True)
        try:
            cmap = frozenset(font.getBestCmap())
        finally:
            font.close()
        points = cmap if points is None else points & cmap
    return points or frozenset()


@lru_cache(maxsize=1)
def oblique_covered() -> frozenset[int]:
    """The code points the oblique face can draw (it lacks Arabic, for one)."""
    font = TTFont(font_path("I"), lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()
