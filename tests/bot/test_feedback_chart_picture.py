"""The feedback chart: a picture of each item's average per meeting."""

import io

from PIL import Image

from bot.pictures.feedback_chart import COLOURS, LOW_COLOUR, feedback_chart_png

ITEMS = ["Att bli lyssnad på", "Det som är viktigt", "Arbetssättet", "Helheten"]


def _colours(png: bytes) -> set[tuple[int, int, int]]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return {rgb for _count, rgb in image.getcolors(maxcolors=1 << 20)}


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def test_a_chart_of_several_meetings_draws_every_item_and_the_low_line():
    png = feedback_chart_png(ITEMS, ["3.12.2026", "14.1.2027", "25.2.2027"],
                             [[8, 7, None, 7.5], [6, 5, 6, 5], [3, 2.5, 4, 3]], 4, "lågt")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (960, 600)
    colours = _colours(png)
    assert all(_rgb(c) in colours for c in COLOURS[:4]) and _rgb(LOW_COLOUR) in colours


def test_one_meeting_and_unanswered_items_still_make_a_picture():
    one = feedback_chart_png(ITEMS, ["3.12.2026"], [[None, 9, None, None]], 4, "low")
    other = feedback_chart_png(ITEMS, ["3.12.2026"], [[None, 2, None, None]], 4, "low")
    assert one.startswith(b"\x89PNG") and one != other  # the point is drawn where the answer is
