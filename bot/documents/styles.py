"""How the plan document looks: page geometry, type sizes, colours.

Quiet and official: one sans-serif family, dark blue headings, thin grey
rules, no colour but for a status stamp.
"""

from __future__ import annotations

from dataclasses import dataclass

PT = 25.4 / 72  # one point in millimetres


@dataclass(frozen=True)
class Style:
    font: str  # fpdf2 style letters: "" regular, "B" bold, "I" oblique
    size: float  # points
    colour: tuple[int, int, int]
    leading: float = 1.38  # line height / font size

    @property
    def line(self) -> float:
        return self.size * PT * self.leading


INK = (28, 28, 30)
GREY = (96, 96, 100)
LIGHT = (150, 150, 155)
ACCENT = (30, 55, 90)  # a quiet dark blue for headings and rules
RULE = (175, 175, 180)
HEADER_FILL = (236, 238, 242)
STAMP = (160, 30, 30)
QUOTE_BAR = (120, 140, 170)

STYLES = {
    "title": Style("B", 17, ACCENT, 1.25),
    "subtitle": Style("", 10.5, GREY),
    "h1": Style("B", 12.5, ACCENT, 1.3),
    "h2": Style("B", 10.5, INK, 1.3),
    "body": Style("", 10, INK),
    "quote": Style("I", 10, (45, 45, 50)),
    "note": Style("", 8.5, GREY),
    "label": Style("B", 9, GREY, 1.53),  # its line height matches "body"
    "th": Style("B", 9, INK),
    "td": Style("", 9, INK),
    "sign_name": Style("B", 9, INK),
    "sign_note": Style("", 8.5, GREY),
    "running": Style("", 8, LIGHT),
    "stamp": Style("B", 8.5, STAMP),
    "footer": Style("", 8, GREY),
}

MARGIN_X = 22.0
MARGIN_TOP = 20.0
MARGIN_BOTTOM = 22.0
FOOTER_FROM_BOTTOM = 15.0
CELL_PAD_X = 1.8
CELL_PAD_Y = 1.3
QUOTE_INDENT = 5.0
MAX_COLUMNS = 16  # beyond this the columns get too narrow for a letter
MAX_HEADER_LINES = 12  # a table header row must leave room for the rows
SPACE_TO_SIGN = 13.0  # room above a signature line for a hand-written signature
SIGNATURE_GAP = 12.0
