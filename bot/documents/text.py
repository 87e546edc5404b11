"""Make any string printable with the document font, losing no real text.

People's words arrive from chat: emoji, control characters, stray bidi
marks, NUL bytes. A PDF must never crash on them, and nothing may be read
as markup (the renderer prints text only, so `<b>` stays `<b>`).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from bot.documents.fonts import covered

REPLACEMENT = "\ufffd"  # shown for a letter the font lacks (e.g. Chinese)
# Emoji presentation selectors and the keycap mark: styling only, the base stays.
_EMOJI_STYLING = {0xFE0E, 0xFE0F, 0x20E3}
_ZWJ = "\u200d"  # joins emoji into one picture; also used in Persian and Indic text
_LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\u2028": "\n", "\u2029": "\n\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n"}


def _is_emoji_part(point: int) -> bool:
    return (
        0x1F000 <= point <= 0x1FAFF  # pictographs, emoticons, flags, skin tones
        or 0xE0000 <= point <= 0xE007F  # tag characters (subdivision flags)
        or 0x2600 <= point <= 0x27BF  # dingbats and misc symbols, when the font lacks them
    )


@lru_cache(maxsize=4096)
def _char(ch: str) -> str:
    point = ord(ch)
    if ch in ("\n", " "):
        return ch
    if ch == "\t":
        return "    "
    category = unicodedata.category(ch)
    if category in ("Cc", "Cs", "Co", "Cn") or point in _EMOJI_STYLING:
        return ""  # control bytes, lone surrogates, private use, unassigned; emoji styling
    if point in covered():
        return ch
    if category.startswith("Z"):
        return " "  # an unusual space the font lacks
    if _is_emoji_part(point) or category in ("Cf", "Mn", "Me", "Sk", "So"):
        return ""  # emoji and invisible marks: chat decoration, not words
    return REPLACEMENT


def printable(text: object) -> str:
    """`text` as a string the font can draw, lines separated by "\\n"."""
    value = unicodedata.normalize("NFC", "" if text is None else str(text))
    for old, new in _LINE_BREAKS.items():
        value = value.replace(old, new)
    out: list[str] = []
    for index, ch in enumerate(value):
        printed = _char(ch)
        if ch == _ZWJ and (_dropped(value[index - 1 : index]) or _dropped(value[index + 1 : index + 2])):
            printed = ""  # the joiner of an emoji sequence ("👨‍👩‍👧") goes with it
        out.append(printed)
    return "".join(out)


def _dropped(ch: str) -> bool:
    return bool(ch) and ch != _ZWJ and not _char(ch).strip()


def one_line(text: object) -> str:
    """`printable`, with line breaks and runs of spaces folded to one space."""
    return " ".join(printable(text).split())


def is_rtl(text: str) -> bool:
    """Whether the first strong character is right-to-left (Hebrew, Arabic)."""
    for ch in text:
        direction = unicodedata.bidirectional(ch)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


def needs_shaping(text: str) -> bool:
    """Whether `text` needs a shaping engine to be drawn right: right-to-left
    letters (put in visual order, Arabic joined) or combining marks."""
    return any(
        unicodedata.bidirectional(ch) in ("R", "AL", "AN", "RLE", "RLO", "RLI") or unicodedata.combining(ch)
        for ch in text
        if ord(ch) > 0x2FF
    )
