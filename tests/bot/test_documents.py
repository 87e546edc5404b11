"""The plan document renderer: parse the PDF back and check what a reader would see."""

from __future__ import annotations

import io
import re
import threading
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from pypdf import PdfReader

from bot.documents import Document, Fields, Paragraph, Section, Signatures, Table, render_pdf, render_pdf_async
from bot.documents import pdf as pdf_module
from bot.documents.model import texts
from bot.documents.text import REPLACEMENT, printable
from tests.bot.document_samples import CREATED, danish_plan, swedish_sip

NORDIC = "å ä ö æ ø Å Ä Ö Æ Ø š ž Š Ž"


def _pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def _doc(*blocks, **changes) -> Document:
    fields = dict(
        title="Plan",
        subtitle="Family A",
        sections=(Section("Section", tuple(blocks)),),
        footer="Family A · version 1",
        page_label="Page {page} of {pages}",
        created=CREATED,
    )
    fields.update(changes)
    return Document(**fields)


def _assert_all_words_present(document: Document, text: str) -> None:
    present = set(_words(text))
    missing = [w for s in texts(replace(document, page_label="")) for w in _words(s) if w not in present]
    assert not missing, missing[:20]


@pytest.mark.parametrize("sample, label, pages", [(swedish_sip, "Sida {} av {}", 3), (danish_plan, "Side {} af {}", 1)])
def test_sample_plan_has_all_its_content_and_page_labels(sample, label, pages):
    document = sample()
    texts = _pages(render_pdf(document))
    assert len(texts) == pages
    _assert_all_words_present(document, "\n".join(texts))
    for number, text in enumerate(texts, start=1):
        assert label.format(number, pages) in text
        assert document.footer in text  # on every page


def test_swedish_plan_keeps_the_nordic_letters_and_the_views_verbatim():
    text = "\n".join(_pages(render_pdf(swedish_sip())))
    for letters in ("Ängström", "Öberg", "Åby", "Håkansson", "Östlund", "Samtycker inte"):
        assert letters in text
    assert "Jag vill inte att alla pratar om mig." in text
    assert "Sida 1 av 3" in text and "Sida 3 av 3" in text


def test_danish_plan_keeps_its_quotes_and_letters():
    text = "\n".join(_pages(render_pdf(danish_plan())))
    assert "»Jeg vil gerne være mere hos far" in text
    assert "Ødegård" in text and "Ærø" in text and "Side 1 af 1" in text


def test_every_nordic_and_finnish_letter_is_printed():
    document = _doc(Paragraph(NORDIC), Fields((("Nimi", "Šárka Žákovská, Jyväskylä"),)))
    text = "\n".join(_pages(render_pdf(document)))
    for letter in NORDIC.split():
        assert letter in text
    assert "Šárka Žákovská" in text


def test_a_long_table_repeats_its_header_on_every_page():
    rows = tuple((f"Åtgärd nummer {n}", f"Person {n}", f"{n} januari") for n in range(1, 121))
    document = _doc(Table(("Vad", "Vem", "När"), rows, widths=(3, 2, 1)))
    texts = _pages(render_pdf(document))
    assert len(texts) >= 3
    for text in texts:
        assert "Vad" in text and "Vem" in text and "När" in text
    everything = "\n".join(texts)
    for n in range(1, 121):
        assert f"Åtgärd nummer {n}\n" in everything or f"Åtgärd nummer {n} " in everything
    assert everything.count("Åtgärd nummer") == 120  # no row lost or drawn twice


def _numbered_words(prefix: str, characters: int) -> str:
    words, n = [], 0
    while len(" ".join(words)) < characters:
        n += 1
        words.append(f"{prefix}{n:04d}")
    return " ".join(words)


def test_a_5000_character_quote_is_kept_whole_across_pages():
    quote = _numbered_words("ord", 5000)
    assert len(quote) >= 5000
    texts = _pages(render_pdf(_doc(Paragraph("Before."), Paragraph(quote, "quote"), Paragraph("After."))))
    assert len(texts) >= 2
    words = [w for w in _words("\n".join(texts)) if w.startswith("ord")]
    assert words == quote.split()


def test_a_5000_character_table_cell_flows_over_pages_with_its_row():
    cell = _numbered_words("del", 5000)
    table = Table(("Mål", "Delmål"), (("Kort", "Kort"), ("Lång", cell), ("Sist", "Sista raden")), widths=(1, 3))
    texts = _pages(render_pdf(_doc(table)))
    assert len(texts) >= 2
    everything = "\n".join(texts)
    assert [w for w in _words(everything) if w.startswith("del")] == cell.split()
    assert "Sista raden" in everything
    assert all("Delmål" in text for text in texts)  # the header again on the next page


def test_html_and_entities_are_printed_literally():
    html = '<b>Anna & Co</b> &amp; <script>alert("x")</script> <i>'
    document = _doc(
        Paragraph(html),
        Fields(((html, html),)),
        Table((html,), ((html,),)),
        Signatures(((html, html),)),
        title=html,
    )
    texts = _pages(render_pdf(document))
    text = "\n".join(texts).replace("\n", " ")
    assert text.count("<b>Anna & Co</b> &amp;") >= 5


def test_rtl_text_renders_with_its_letters():
    hebrew = "שלום, אני רוצה לגור עם אמא"
    arabic = "أريد أن أعيش مع أمي وأبي"
    document = _doc(
        Paragraph(hebrew),
        Paragraph(arabic, "quote"),  # the oblique face lacks Arabic: the upright one stands in
        Fields((("Syn", arabic + " 12 " + hebrew),)),
        Table(("Namn", "Syn"), (("Amal", arabic),)),
    )
    text = "\n".join(_pages(render_pdf(document)))
    for letter in "שלוםאמ":
        assert letter in text
    assert sum(ch in text for ch in "أريدعيشمع") >= 8


def test_emoji_and_control_characters_do_not_crash_and_the_words_stay():
    text = "Bra jobbat 👍🏽 idag 👨‍👩‍👧 familjen 1️⃣ \x00\x07\x1b[31m slut\r\nny rad\ttab \ud800"
    document = _doc(Paragraph(text), Table(("😀",), (("🎉 fest",),)), Fields((("🙂", "glad 🙂"),)), title="Plan 📄")
    out = "\n".join(_pages(render_pdf(document)))
    for word in ("Bra", "jobbat", "idag", "familjen", "slut", "ny", "rad", "tab", "fest", "glad"):
        assert word in out
    assert "👍" not in out and "\x00" not in out


def test_metadata():
    document = swedish_sip()
    reader = PdfReader(io.BytesIO(render_pdf(document)))
    meta = reader.metadata
    assert meta.title == "Samordnad individuell plan (SIP)"
    assert meta.author == "meetbot"
    assert meta.subject == "Familj A · uppföljningsmöte den 3 december 2026"
    assert meta.creation_date == datetime(2026, 12, 3, 15, 5, tzinfo=timezone.utc)
    assert reader.trailer["/Root"]["/Lang"] == "sv"


def test_metadata_defaults_and_a_bad_language_tag():
    before = datetime.now(timezone.utc).replace(microsecond=0)
    document = _doc(Paragraph("x"), language="sv) /Evil (", created=None)
    reader = PdfReader(io.BytesIO(render_pdf(document)))
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert reader.metadata.creation_date >= before


def test_odd_documents_render():
    url = "https://example.org/" + "väldigt-lång-adress/" * 40
    document = _doc(
        Paragraph(""),
        Paragraph("   \n  "),
        Paragraph("Okänd stil", "shout"),
        Table((), ()),
        Table(("Bara rubrik",), ()),
        Table((), (("utan", "rubrik"),)),
        Table(("a", "b"), (("1",), ("1", "2", "3")), widths=(1, -2)),
        Table(tuple(f"k{n}" for n in range(30)), (tuple(f"v{n}" for n in range(30)),)),
        Fields(()),
        Signatures(()),
        Section("", ()),
        Section("Tom", ()),
        Paragraph(url),
        Paragraph("{nb} {page} {pages} %PDF"),
        Section("Djup", (Section("Djupare", (Section("Djupast", (Paragraph("botten"),)),)),)),
        Table(("x",), (("z" * 3000,),)),
    )
    texts = _pages(render_pdf(document))
    everything = "\n".join(texts)
    assert re.sub(r"\s", "", url) in re.sub(r"\s", "", everything)  # broken between letters, none lost
    assert "{nb} {page} {pages} %PDF" in everything  # not taken for the page count
    assert "Okänd stil" in everything and "Bara rubrik" in everything and "botten" in everything
    for n in range(30):
        assert re.search(rf"\bv{n}\b", everything)  # extra columns folded into the last, not dropped
    assert "k0" in everything and "k15" in everything
    assert everything.count("z") == 3000  # a 3,000-letter "word" split over lines and pages, whole


def test_an_empty_document_is_one_page():
    document = Document(title="", subtitle="", sections=(), footer="", page_label="")
    texts = _pages(render_pdf(document))
    assert len(texts) == 1


def test_a_page_label_without_placeholders_is_printed_as_given():
    texts = _pages(render_pdf(_doc(Paragraph("x"), page_label="Bilaga")))
    assert "Bilaga" in texts[0]


async def test_render_pdf_async_runs_off_the_event_loop(monkeypatch):
    loop_thread = threading.get_ident()
    seen = []
    real = pdf_module.render_pdf

    def spy(document):
        seen.append(threading.get_ident())
        return real(document)

    monkeypatch.setattr(pdf_module, "render_pdf", spy)
    data = await render_pdf_async(danish_plan())
    assert seen and seen[0] != loop_thread
    assert "Side 1 af 1" in _pages(data)[0]


def test_printable_drops_emoji_and_keeps_words():
    assert printable("Hej 👨‍👩‍👧 då 1️⃣") == "Hej  då 1"
    assert printable("a\x00b\x1bc\r\nd\te") == "abc\nd    e"
    assert printable("中") == REPLACEMENT  # a letter the font lacks is marked, not silently lost
    assert printable("می‌خواهم") == "می‌خواهم"  # the Persian zero-width non-joiner stays
    assert printable(None) == ""


def test_a_heading_stays_on_the_page_of_what_it_heads():
    # tables of irregular lengths, so that some heading falls near a page's foot
    sections = tuple(
        Section(f"Rubrik {n}", (Table((f"Kolumn {n}", "Vem"), tuple((f"rad {n}.{r}", "Åsa") for r in range(1 + n * 7 % 11))),))
        for n in range(1, 41)
    )
    texts = _pages(render_pdf(_doc(sections=sections)))
    assert len(texts) >= 10
    for n in range(1, 41):
        [page] = [i for i, text in enumerate(texts) if re.search(rf"Rubrik {n}\b", text)]
        assert re.search(rf"Kolumn {n}\b", texts[page]), n


def test_a_short_row_is_moved_whole_to_the_next_page_not_split():
    rows = tuple((f"start{n}\nmitt{n}\nslut{n}", "x") for n in range(1, 80))
    texts = _pages(render_pdf(_doc(Table(("Rad", "Värde"), rows))))
    assert len(texts) >= 3
    for n in range(1, 80):
        pages = {i for i, text in enumerate(texts) for word in (f"start{n}", f"mitt{n}", f"slut{n}") if re.search(rf"\b{word}\b", text)}
        assert len(pages) == 1, n


def test_a_stamp_is_on_every_page():
    document = replace(swedish_sip(), stamp="Utkast: väntar på samtycke")
    texts = _pages(render_pdf(document))
    assert len(texts) == 3
    assert all("Utkast: väntar på samtycke" in text for text in texts)


def test_sections_are_bookmarked():
    reader = PdfReader(io.BytesIO(render_pdf(swedish_sip())))
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles[:3] == ["Om planen", "Närvarande och frånvarande", "Nulägesbeskrivning"]
    nested = [item for item in reader.outline if isinstance(item, list)][0]
    assert nested[0].title == "Elsa (med egna ord)"


def test_a_long_refusal_in_the_signatures_is_kept_whole():
    refusal = _numbered_words("skäl", 3000)
    document = _doc(
        Signatures((("Maria Ängström, vårdnadshavare", "Samtycker inte: " + refusal), ("Jörgen Ängström", "Samtyckte 3 dec 2026"))),
        Paragraph("Efter."),
    )
    texts = _pages(render_pdf(document))
    everything = "\n".join(texts)
    assert [w for w in _words(everything) if w.startswith("skäl")] == refusal.split()
    assert "Jörgen Ängström" in everything and "Samtyckte 3 dec 2026" in everything and "Efter." in everything


def test_a_short_note_stays_with_the_quote_it_introduces():
    blocks = []
    for n in range(1, 41):
        blocks += [Paragraph(f"Person{n}, 3 dec 2026", "note"), Paragraph(f"citat{n} " + "ord " * (5 + n * 13 % 40), "quote")]
    texts = _pages(render_pdf(_doc(*blocks)))
    assert len(texts) >= 3
    for n in range(1, 41):
        [page] = [i for i, text in enumerate(texts) if re.search(rf"\bPerson{n},", text)]
        assert re.search(rf"\bcitat{n}\b", texts[page]), n


def test_values_that_are_not_strings_are_printed_not_crashed_on():
    document = _doc(
        Table(("Mål", "Nu"), (("Skolan", 5), ("Morgnar", None))),
        Fields((("Version", 3), ("Plats", None))),
        Paragraph(None),
        stamp=None,
        page_label=None,
    )
    texts = _pages(render_pdf(document))
    assert "Skolan 5" in texts[0] and "Version 3" in texts[0]
    assert "1 / 1" in texts[0]  # no page label given: a plain "1 / 1"
