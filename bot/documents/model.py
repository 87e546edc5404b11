"""A language-neutral document: plain, already-translated strings, no markup.

Nothing here is interpreted: `<b>` or `&amp;` in a string is printed as it is.
The renderer (`bot.documents.pdf`) decides how each block looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Union

PARAGRAPH_STYLES = ("body", "quote", "note")


@dataclass(frozen=True)
class Paragraph:
    """Running text. `style`: "body"; "quote" (a person's own words, verbatim,
    set apart); "note" (small, grey). An unknown style is printed as body."""

    text: str
    style: str = "body"


@dataclass(frozen=True)
class Fields:
    """Label / value rows, e.g. ("Case", "Family A")."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    """A bordered table; the header row is repeated on every page it spans.
    `widths` are relative column widths (any positive numbers)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Signatures:
    """People who sign on paper: (name and role, what was recorded, e.g.
    "Agreed 3 Dec 2026 14.30", or ""). Each gets a line to sign on."""

    lines: tuple[tuple[str, str], ...]


Block = Union[Paragraph, Fields, Table, Signatures, "Section"]


@dataclass(frozen=True)
class Section:
    """A heading and its blocks; a Section inside a Section is a sub-section."""

    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    """One document. `page_label` is a translated pattern with {page} and
    {pages}, e.g. "Sida {page} av {pages}"; `footer` is printed left of it on
    every page. `language` (e.g. "sv") sets the PDF's /Lang. `created` is the
    creation date in the metadata (now, if None). `stamp`, if given, is the
    document's status boxed at the top of every page, e.g. "Utkast: inte
    godkänd än" or "Ersatt av version 4"."""

    title: str
    subtitle: str
    sections: tuple[Section, ...]
    footer: str
    page_label: str
    language: str = "en"
    author: str = "meetbot"
    created: datetime | None = None
    stamp: str = ""


def texts(node: object) -> list[str]:
    """Every string a document (or any part of it) holds, in reading order."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, (tuple, list)):
        return [text for item in node for text in texts(item)]
    if isinstance(node, Document):
        return texts((node.title, node.subtitle, node.sections, node.footer, node.page_label, node.stamp))
    if isinstance(node, Section):
        return texts((node.heading, node.blocks))
    if isinstance(node, Paragraph):
        return texts(node.text)
    if isinstance(node, Fields):
        return texts(node.pairs)
    if isinstance(node, Table):
        return texts((node.header, node.rows))
    if isinstance(node, Signatures):
        return texts(node.lines)
    if isinstance(node, (int, float)):  # a number where a string belongs is printed as one
        return [str(node)]
    return []
