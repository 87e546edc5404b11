"""Render a `Document` as an A4 PDF a social services office would file.

fpdf2 draws it with DejaVu Sans (shipped with matplotlib) and shapes text
with HarfBuzz (uharfbuzz), so Nordic letters, Hebrew and Arabic come out
right. Text is only ever printed, never parsed: fpdf2's markdown and HTML
features are not used. Every block is laid out line by line here, so a
5,000-character paragraph or table cell flows over as many pages as it
needs instead of being cut, and a table repeats its header row on each page.
"""

from __future__ import annotations

import asyncio
import math
import re
from datetime import datetime, timezone

from fpdf import FPDF
from fpdf.errors import FPDFException
from fpdf.enums import WrapMode

from bot.documents.fonts import FALLBACK_FAMILY, FAMILY, FILES, font_path, oblique_covered
from bot.documents.model import PARAGRAPH_STYLES, Document, Fields, Paragraph, Section, Signatures, Table, texts
from bot.documents.styles import (
    ACCENT,
    CELL_PAD_X,
    CELL_PAD_Y,
    FOOTER_FROM_BOTTOM,
    HEADER_FILL,
    INK,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    MAX_COLUMNS,
    MAX_HEADER_LINES,
    QUOTE_BAR,
    QUOTE_INDENT,
    RULE,
    SIGNATURE_GAP,
    SPACE_TO_SIGN,
    STAMP,
    STYLES,
)
from bot.documents.text import is_rtl, needs_shaping, one_line, printable

_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")


def render_pdf(document: Document) -> bytes:
    """The document as PDF bytes. CPU-bound: from async code use `render_pdf_async`."""
    pdf = _Pdf(document)
    pdf.draw()
    return bytes(pdf.output())


async def render_pdf_async(document: Document) -> bytes:
    """`render_pdf` in a worker thread, so the event loop never stalls."""
    return await asyncio.to_thread(render_pdf, document)


class _Pdf(FPDF):
    def __init__(self, document: Document) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.document = document
        for style in FILES:
            self.add_font(FAMILY, style, str(font_path(style)))
        quoted = "".join(printable(p.text) for p in _blocks(document, Paragraph) if p.style == "quote")
        if any(ord(ch) not in oblique_covered() for ch in set(quoted) - {"\n"}):
            # An Arabic quote: the oblique face lacks those letters, the upright one stands in.
            self.add_font(FALLBACK_FAMILY, "", str(font_path("")))
            self.set_fallback_fonts([FALLBACK_FAMILY], exact_match=False)
        # HarfBuzz only where it is needed (Hebrew, Arabic, combining marks): it is slow.
        if any(needs_shaping(text) for text in texts(document)):
            self.set_text_shaping(use_shaping_engine=True)
        self.set_margins(MARGIN_X, MARGIN_TOP, MARGIN_X)
        # Page breaks are decided here, line by line, never in the middle of a line.
        self.set_auto_page_break(False, margin=MARGIN_BOTTOM)
        self.c_margin = 0
        # No page-count alias: "{nb}" typed by a person is printed as it is.
        self.alias_nb_pages(None)
        self._labels_mm: float | None = None
        self._set_metadata()

    # -- metadata, header, footer ---------------------------------------------------------

    def _set_metadata(self) -> None:
        doc = self.document
        self.set_title(one_line(doc.title))
        self.set_subject(one_line(doc.subtitle))
        self.set_author(one_line(doc.author) or "meetbot")
        self.set_creator("meetbot")
        language = (doc.language or "").strip()
        self.set_lang(language if _LANGUAGE.fullmatch(language) else "en")
        created = doc.created or datetime.now(timezone.utc)
        if created.tzinfo is None:
            created = created.replace(tzinfo=timezone.utc)
        self.set_creation_date(created)

    def header(self) -> None:
        stamp_width = self._stamp()
        if self.page_no() > 1:
            # A page that comes loose from the others still says what it belongs to.
            self._use("running")
            self.set_xy(self.l_margin, 10)
            width = self.epw - (stamp_width + 4 if stamp_width else 0)
            text = " · ".join(t for t in (one_line(self.document.title), one_line(self.document.subtitle)) if t)
            self.cell(width, STYLES["running"].line, self._fit(text, width))
        self.set_xy(self.l_margin, self.t_margin)

    def _stamp(self) -> float:
        """The document's status ("Draft", "Replaced by version 4") boxed at the top
        right of every page; returns the box's width (0 without a stamp)."""
        self._use("stamp")
        text = self._fit(one_line(self.document.stamp), self.epw / 2)
        if not text:
            return 0.0
        width = self.get_string_width(text) + 4
        self.set_draw_color(*STAMP)
        self.set_line_width(0.35)
        self.set_xy(self.w - self.r_margin - width, 8.6)
        self.cell(width, STYLES["stamp"].line + 1.2, text, border=1, align="C")
        return width

    def _footers(self) -> None:
        """Draw every page's footer once the page count is known: "page X of Y"
        exactly, without a placeholder that a person's "{nb}" would also match."""
        last, total = self.page, self.pages_count
        for number in range(1, total + 1):
            self.page = number
            self.current_font_is_set_on_page = False  # that page's stream ends in another font
            with self.local_context():
                self._footer(number, total)
        self.page = last

    def _footer(self, number: int, total: int) -> None:
        y = self.h - FOOTER_FROM_BOTTOM
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self._use("footer")
        line = STYLES["footer"].line
        pattern = one_line(self.document.page_label) or "{page} / {pages}"
        label = pattern.replace("{page}", str(number)).replace("{pages}", str(total))
        label = self._fit(label, self.epw / 2)
        label_width = self.get_string_width(label) + 0.5
        footer_width = self.epw - label_width - 6
        self.set_xy(self.l_margin, y + 1.8)
        self.cell(footer_width, line, self._fit(one_line(self.document.footer), footer_width))
        self.set_xy(self.w - self.r_margin - label_width, y + 1.8)
        self.cell(label_width, line, label, align="R")

    # -- the document ----------------------------------------------------------------------

    def draw(self) -> None:
        self.add_page()
        self._title_block()
        for section in self.document.sections:
            self._section(section, level=0)
        self._footers()

    def _title_block(self) -> None:
        title = printable(self.document.title).strip()
        subtitle = printable(self.document.subtitle).strip()
        if title:
            self._lines(self._wrap(title, self.epw, "title"), "title", self.l_margin, self.epw, _align(title))
        if subtitle:
            self.set_y(self.get_y() + 1)
            lines = self._wrap(subtitle, self.epw, "subtitle")
            self._lines(lines, "subtitle", self.l_margin, self.epw, _align(subtitle))
        if title or subtitle:
            y = self.get_y() + 2.5
            self.set_draw_color(*ACCENT)
            self.set_line_width(0.6)
            self.line(self.l_margin, y, self.w - self.r_margin, y)
            self.set_y(y + 5)

    def _section(self, section: Section, level: int) -> None:
        blocks = section.blocks or ()
        self._heading(section.heading, level, self._lead(blocks[0], level + 1) if blocks else 0.0)
        for index, block in enumerate(blocks):
            if _is_note(block) and index + 1 < len(blocks) and not _is_note(blocks[index + 1]):
                # A short note introduces what follows ("Maria, 3 Dec" above her words): keep them together.
                note = self._wrap(printable(block.text).strip(), self.epw, "note")
                if len(note) <= 3:
                    self._need(len(note) * STYLES["note"].line + 2.2 + self._lead(blocks[index + 1], level + 1))
            if isinstance(block, Section):
                self._section(block, level + 1)
            elif isinstance(block, Paragraph):
                self._paragraph(block)
            elif isinstance(block, Fields):
                self._fields(block)
            elif isinstance(block, Table):
                self._table(block)
            elif isinstance(block, Signatures):
                self._signatures(block)
            elif isinstance(block, str):
                self._paragraph(Paragraph(block))
        self.set_y(self.get_y() + (2 if level else 1))

    def _lead(self, block, level: int) -> float:
        """The height that must follow a heading on the same page: the start of
        its first block (two lines of text, a table's header and first row)."""
        two_lines = 2 * STYLES["body"].line
        if isinstance(block, Section):
            heading = printable(block.heading).strip()
            style = "h1" if level == 0 else "h2"
            height = len(self._wrap(heading, self.epw, style)) * STYLES[style].line + 4 if heading else 0.0
            return height + (self._lead(block.blocks[0], level + 1) if block.blocks else 0.0)
        if isinstance(block, Table):
            header, _, widths = self._columns(block)
            cells = zip(header or (), widths)
            lines = max([len(self._wrap(h, w - 2 * CELL_PAD_X, "th")) for h, w in cells] + [0])
            return min(lines, MAX_HEADER_LINES) * STYLES["th"].line + 4 * CELL_PAD_Y + two_lines
        if isinstance(block, Signatures):
            return SPACE_TO_SIGN + 1.5 + 2 * STYLES["sign_name"].line + 5
        return two_lines + 2 * CELL_PAD_Y

    def _heading(self, text: str, level: int, lead: float = 0.0) -> None:
        style = "h1" if level == 0 else "h2"
        text = printable(text).strip()
        if not text:
            return
        lines = self._wrap(text, self.epw, style)
        space = 6 if level == 0 else 3
        # Keep a heading on the same page as the start of what it heads.
        self._need(min(space + len(lines) * STYLES[style].line + 4 + lead, self._page_room()))
        if not self._at_top():
            self.set_y(self.get_y() + space)
        # A bookmark per heading: the case record's PDF viewer lists the sections.
        self.start_section(_shortened(one_line(text), 120), level=level, strict=False)
        self._lines(lines, style, self.l_margin, self.epw, _align(text))
        if level == 0:
            y = self.get_y() + 0.8
            self.set_draw_color(*RULE)
            self.set_line_width(0.25)
            self.line(self.l_margin, y, self.w - self.r_margin, y)
            self.set_y(y + 2.5)
        else:
            self.set_y(self.get_y() + 1)

    def _paragraph(self, paragraph: Paragraph) -> None:
        style = paragraph.style if paragraph.style in PARAGRAPH_STYLES else "body"
        text = printable(paragraph.text).strip("\n")
        if not text.strip():
            return
        rtl = is_rtl(text)
        x, width, bar = self.l_margin, self.epw, None
        if style == "quote":  # set apart by an indent and a rule on the side the text starts
            width = self.epw - QUOTE_INDENT - 2
            x = self.l_margin + (2 if rtl else QUOTE_INDENT)
            bar = (self.l_margin + self.epw - 1.5 if rtl else self.l_margin + 0.6, 0.9)
        lines = self._wrap(text, width, style)
        line = STYLES[style].line
        self._need(min(len(lines), 2) * line)  # no single first line alone at a page's foot
        self._lines(lines, style, x, width, align="R" if rtl else "L", bar=bar)
        self.set_y(self.get_y() + (3 if style == "quote" else 2.2))

    def _fields(self, fields: Fields) -> None:
        pairs = [(printable(label).strip(), printable(value).strip()) for label, value in fields.pairs or ()]
        if not pairs:
            return
        label_width = self._label_width()
        self._grid(
            widths=[label_width, self.epw - label_width],
            header=None,
            rows=[list(pair) for pair in pairs],
            styles=("label", "body"),
            boxed=False,
        )
        self.set_y(self.get_y() + 3)

    def _label_width(self) -> float:
        """One label column width for every Fields block, so the values line up
        down the whole document: the widest label, within 32 mm and 38 %."""
        if self._labels_mm is None:
            self._use("label")
            labels = [printable(label).strip() for block in _blocks(self.document, Fields) for label, _ in block.pairs]
            widest = max([self.get_string_width(line) for label in labels for line in label.split("\n")] + [0])
            self._labels_mm = min(max(widest + 2 * CELL_PAD_X + 2, 32), self.epw * 0.38)
        return self._labels_mm

    def _columns(self, table: Table) -> tuple[list[str] | None, list[list[str]], list[float]]:
        """The table's header (None if it has none), rows and column widths in mm,
        every row as long as the widest; extra columns beyond MAX_COLUMNS are
        folded into the last one, so no word is dropped."""
        header = [printable(cell).strip() for cell in table.header or ()]
        rows = [[printable(cell).strip() for cell in row] for row in table.rows or ()]
        columns = max([len(header)] + [len(row) for row in rows])
        if columns > MAX_COLUMNS:
            header = header[: MAX_COLUMNS - 1] + [" · ".join(c for c in header[MAX_COLUMNS - 1 :] if c)]
            rows = [row[: MAX_COLUMNS - 1] + [" · ".join(c for c in row[MAX_COLUMNS - 1 :] if c)] for row in rows]
            columns = MAX_COLUMNS
        header = (header + [""] * columns)[:columns]
        rows = [(row + [""] * columns)[:columns] for row in rows]
        relative = list(table.widths or ())
        if len(relative) != columns or not all(
            isinstance(w, (int, float)) and math.isfinite(w) and w > 0 for w in relative
        ):
            relative = [1.0] * columns
        return (header if any(header) else None), rows, _widths(relative, self.epw)

    def _table(self, table: Table) -> None:
        header, rows, widths = self._columns(table)
        if not widths or (header is None and not rows):
            return
        self._grid(widths=widths, header=header, rows=rows, styles=("td",) * len(widths), boxed=True)
        self.set_y(self.get_y() + 3.5)

    def _signatures(self, signatures: Signatures) -> None:
        """Two signers side by side, each with a line to sign on, their name and
        role under it and what was recorded (e.g. agreed in the bot, and when)."""
        entries = [(printable(name).strip(), printable(note).strip()) for name, note in signatures.lines or ()]
        if not entries:
            return
        width = (self.epw - SIGNATURE_GAP) / 2
        name_line, note_line = STYLES["sign_name"].line, STYLES["sign_note"].line
        self.set_y(self.get_y() + 1)
        for start in range(0, len(entries), 2):
            pair = entries[start : start + 2]
            wrapped = [(self._wrap(name, width, "sign_name"), self._wrap(note, width, "sign_note")) for name, note in pair]
            text_height = max(len(names) * name_line + len(notes) * note_line for names, notes in wrapped)
            height = SPACE_TO_SIGN + 1.5 + text_height + 5
            if height > self._page_room() / 3:
                # A long name or note (a refusal in many words): one signer a row, the words flow on.
                for name, note in pair:
                    self._signature_alone(name, note)
                continue
            self._need(height)
            top = self.get_y()
            for column, (names, notes) in enumerate(wrapped):
                x = self.l_margin + column * (width + SIGNATURE_GAP)
                self._signature_line(x, top + SPACE_TO_SIGN, width)
                self._lines(names, "sign_name", x, width)
                self._lines(notes, "sign_note", x, width)
            self.set_y(top + height)
        self.set_y(self.get_y() + 1)

    def _signature_alone(self, name: str, note: str) -> None:
        names, notes = self._wrap(name, self.epw, "sign_name"), self._wrap(note, self.epw, "sign_note")
        lead = min(len(names), 2) * STYLES["sign_name"].line + min(len(notes), 2) * STYLES["sign_note"].line
        self._need(SPACE_TO_SIGN + 1.5 + lead)
        self._signature_line(self.l_margin, self.get_y() + SPACE_TO_SIGN, (self.epw - SIGNATURE_GAP) / 2)
        self._lines(names, "sign_name", self.l_margin, self.epw)
        self._lines(notes, "sign_note", self.l_margin, self.epw)
        self.set_y(self.get_y() + 5)

    def _signature_line(self, x: float, y: float, width: float) -> None:
        self.set_draw_color(*INK)
        self.set_line_width(0.3)
        self.line(x, y, x + width, y)
        self.set_y(y + 1.5)

    # -- rows that may span pages ----------------------------------------------------------

    def _grid(self, widths, header, rows, styles, boxed: bool) -> None:
        """Rows of wrapped cells. A row that does not fit the page's rest moves to the
        next page if it is short, and is split between lines if it is long; a header
        row is drawn again at the top of each page."""
        line = max(STYLES[s].line for s in styles)
        header_lines = None
        if header is not None:
            header_lines = [_capped(self._wrap(h, w - 2 * CELL_PAD_X, "th"), MAX_HEADER_LINES) for h, w in zip(header, widths)]
        header_height = self._row_height(header_lines, STYLES["th"].line) if header_lines else 0.0

        header_aligns = [_align(h) for h in header or ()]

        def draw_header() -> None:
            if header_lines:
                self._row(widths, header_lines, ["th"] * len(widths), STYLES["th"].line, boxed, header_aligns, fill=True)

        first = [self._wrap(c, w - 2 * CELL_PAD_X, s) for c, w, s in zip(rows[0], widths, styles)] if rows else None
        first_need = header_height + (min(self._row_height(first, line), 2 * line + 2 * CELL_PAD_Y) if first else 0)
        self._need(first_need)
        draw_header()
        page_capacity = int((self._page_room() - header_height - 2 * CELL_PAD_Y) // line)
        for index, row in enumerate(rows):
            cells = first if index == 0 else [self._wrap(c, w - 2 * CELL_PAD_X, s) for c, w, s in zip(row, widths, styles)]
            count = max([len(c) for c in cells] + [1])
            aligns = [_align(text) for text in row]
            done = 0
            while done < count:
                fits = int((self._room() - 2 * CELL_PAD_Y + 0.01) // line)
                left = count - done
                if left <= fits:
                    self._row(widths, [c[done:] for c in cells], styles, line, boxed, aligns)
                    break
                short = done == 0 and left <= max(page_capacity // 3, 6)
                if fits < 2 or short:  # move the row whole, or start a split on a new page
                    if not self._at_top(after_header=header_height):
                        self._new_page()
                        draw_header()
                        continue
                    fits = max(fits, 1)
                self._row(widths, [c[done : done + fits] for c in cells], styles, line, boxed, aligns)
                done += fits
                self._new_page()
                draw_header()

    def _row(self, widths, cells, styles, line: float, boxed: bool, aligns, fill: bool = False) -> None:
        top = self.get_y()
        height = self._row_height(cells, line)
        x = self.l_margin
        self.set_line_width(0.2)
        self.set_draw_color(*RULE)
        for width, lines, style, align in zip(widths, cells, styles, aligns):
            if fill:
                self.set_fill_color(*HEADER_FILL)
                self.rect(x, top, width, height, "DF" if boxed else "F")
            elif boxed:
                self.rect(x, top, width, height)
            self.set_y(top + CELL_PAD_Y)
            self._lines(lines, style, x + CELL_PAD_X, width - 2 * CELL_PAD_X, align, line_height=line, breaks=False)
            x += width
        if not boxed:
            self.line(self.l_margin, top + height, self.l_margin + sum(widths), top + height)
        self.set_y(top + height)

    @staticmethod
    def _row_height(cells, line: float) -> float:
        return max([len(c) for c in cells] + [1]) * line + 2 * CELL_PAD_Y

    # -- lines and pages -------------------------------------------------------------------

    def _lines(self, lines, style: str, x: float, width: float, align: str = "L", bar=None, line_height=None, breaks=True) -> None:
        """Print already wrapped lines from the current y, starting a new page when a
        line would cross the bottom margin. `bar` = (x, width) of a rule beside them."""
        line = line_height or STYLES[style].line
        for text in lines:
            if breaks and self._room() < line:
                self._new_page()
            y = self.get_y()
            if bar:
                self.set_fill_color(*QUOTE_BAR)
                self.rect(bar[0], y, bar[1], line, "F")
            self._use(style)
            self.set_xy(x, y)
            self.cell(width, line, text, align=align)
            self.set_xy(x, y + line)

    def _wrap(self, text: str, width: float, style: str) -> list[str]:
        """`text` broken into lines of at most `width` mm; a word longer than a line
        (a URL) is broken between letters."""
        if not text:
            return []
        self._use(style)
        try:
            return self.multi_cell(
                width, STYLES[style].line, text, dry_run=True, output="LINES", wrapmode=WrapMode.WORD, align="L"
            )
        except FPDFException:  # one glyph wider than the column (e.g. U+FDFD)
            return self._wrap_by_letters(text, width)

    def _wrap_by_letters(self, text: str, width: float) -> list[str]:
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for ch in paragraph:
                if line and self.get_string_width(line + ch) > width:
                    lines.append(line)
                    line = ""
                line += ch
            lines.append(line)
        return lines

    def _fit(self, text: str, width: float) -> str:
        """`text` shortened with "…" to fit one line of `width` mm (footer and running head)."""
        if self.get_string_width(text) <= width:
            return text
        low, high = 0, len(text)
        while low < high:
            middle = (low + high + 1) // 2
            if self.get_string_width(text[:middle].rstrip() + "…") <= width:
                low = middle
            else:
                high = middle - 1
        return text[:low].rstrip() + "…"

    def _use(self, style: str) -> None:
        s = STYLES[style]
        self.set_font(FAMILY, s.font, s.size)
        self.set_text_color(*s.colour)

    def _room(self) -> float:
        return self.h - self.b_margin - self.get_y()

    def _page_room(self) -> float:
        return self.h - self.b_margin - self.t_margin

    def _at_top(self, after_header: float = 0.0) -> bool:
        return self.get_y() <= self.t_margin + after_header + 0.01

    def _need(self, height: float) -> None:
        if self._room() < height and not self._at_top():
            self._new_page()

    def _new_page(self) -> None:
        self.add_page()


def _blocks(node, kind: type) -> list:
    """Every block of type `kind` in a document, in order."""
    if isinstance(node, kind):
        return [node]
    if isinstance(node, Document):
        return _blocks(node.sections, kind)
    if isinstance(node, Section):
        return _blocks(node.blocks, kind)
    if isinstance(node, (tuple, list)):
        return [block for item in node for block in _blocks(item, kind)]
    return []


def _is_note(block) -> bool:
    return isinstance(block, Paragraph) and block.style == "note"


def _align(text: str) -> str:
    return "R" if is_rtl(text) else "L"


def _widths(relative: list[float], total: float, least: float = 9.0) -> list[float]:
    """Relative widths as millimetres adding up to `total`, none narrower than `least`
    (a column must hold a letter and its padding)."""
    if not relative:
        return []
    least = min(least, total / len(relative))
    narrow = [False] * len(relative)
    while True:  # widening one column narrows the others: repeat until none is too narrow
        rest = total - least * sum(narrow)
        wide_sum = sum(w for w, n in zip(relative, narrow) if not n)
        widths = [least if n else rest * w / wide_sum for w, n in zip(relative, narrow)]
        newly = [n or w < least - 1e-9 for w, n in zip(widths, narrow)]
        if newly == narrow or all(newly):
            return widths
        narrow = newly


def _shortened(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _capped(lines: list[str], most: int) -> list[str]:
    if len(lines) <= most:
        return lines
    return lines[: most - 1] + [lines[most - 1].rstrip() + " …"]
