"""Reading the dates, times and names people type."""

from __future__ import annotations

import re
from datetime import date, time

_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
# Nordic habit: day first, with dots, slashes or dashes; the year may be left out.
_DAY_FIRST = re.compile(r"^\s*(\d{1,2})\s*[./-]\s*(\d{1,2})\s*(?:[./-]\s*(\d{2}|\d{4})?)?\s*$")
_TIME = re.compile(r"^\s*(?:kl\.?\s*)?(\d{1,2})(?:\s*[:.]\s*(\d{2}))?\s*$", re.IGNORECASE)

# Swedish personnummer (YYMMDD-XXXX, YYYYMMDDXXXX), Danish CPR (DDMMYY-XXXX),
# Finnish henkilötunnus (DDMMYY-XXXC, with - + A B ... as century sign).
_IDENTITY_NUMBER = re.compile(
    r"(?<!\d)(?:\d{6}|\d{8})\s?[-+A-FYXWVU]?\s?\d{3}[0-9A-Z](?![0-9])", re.IGNORECASE
)


def parse_date(text: str, today: date, *, past: bool = False) -> date | None:
    """A date from '2026-12-03', '3.12.2026', '3/12/26' or '3.12.' (the next
    such date; with `past`, the last one up to today: a day that has been)."""
    try:
        if match := _ISO.match(text):
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day)
        if match := _DAY_FIRST.match(text):
            day, month = int(match.group(1)), int(match.group(2))
            if match.group(3):
                year = int(match.group(3))
                year += 2000 if year < 100 else 0
                return date(year, month, day)
            candidate = date(today.year, month, day)
            if past:
                return candidate if candidate <= today else date(today.year - 1, month, day)
            return candidate if candidate >= today else date(today.year + 1, month, day)
    except ValueError:
        return None
    return None


def parse_time(text: str) -> time | None:
    match = _TIME.match(text)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def looks_like_identity_number(text: str) -> bool:
    return bool(_IDENTITY_NUMBER.search(text))


def clean_line(text: str) -> str:
    """One line, single spaces: what a name or a place is stored as."""
    return " ".join(text.split())
