"""Translatable texts as data. A flow never translates: it names a message
(its English msgid) and its parameters; the Telegram side renders it in the
reader's language. `_`, `ngettext` and `pgettext` are the names `pybabel
extract` looks for (babel.cfg and the README's extract command)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Moment:
    """A point in time to be shown in the reader's locale and the case's zone."""

    at: datetime  # aware, UTC
    timezone: str
    style: str = "datetime"  # datetime | date | time | short_date (as people type it) | stamp (short date and time)


@dataclass(frozen=True)
class Number:
    """A number shown in the reader's locale (7,5 in Swedish, 7.5 in English)."""

    value: float
    digits: int = 1  # at most this many decimals; none when it is whole


@dataclass(frozen=True)
class Raw:
    """Text that is already safe HTML (for example a rendered list of lines)."""

    html: str


@dataclass(frozen=True)
class Lines:
    """Several texts shown one per line (or joined by `sep`), as one parameter."""

    items: tuple
    sep: str = "\n"


@dataclass(frozen=True)
class T:
    msgid: str
    params: dict[str, Any] = field(default_factory=dict)
    plural: str | None = None
    n: int | None = None
    context: str | None = None  # msgctxt: which of several meanings of one English text


def _(msgid: str, **params: Any) -> T:
    return T(msgid, params)


def ngettext(singular: str, plural: str, n: int, **params: Any) -> T:
    return T(singular, {"n": n, **params}, plural=plural, n=n)


def pgettext(context: str, msgid: str, **params: Any) -> T:
    """A text whose English words mean different things in different places
    ("No, keep it" to erasing data or to cancelling a meeting): the context
    gives each meaning its own catalog entry (msgctxt)."""
    return T(msgid, params, context=context)


def N_(msgid: str) -> str:
    """Marks a string for extraction where it is stored, not shown yet."""
    return msgid
