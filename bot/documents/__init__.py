"""Documents the bot files: a plain document model and its PDF rendering.

The model (`model.py`) holds already-translated strings only; the caller
translates. `pdf.py` turns a `Document` into PDF bytes (fpdf2, DejaVu fonts
shipped with matplotlib).
"""

from bot.documents.model import Document, Fields, Paragraph, Section, Signatures, Table

__all__ = [
    "Document",
    "Fields",
    "Paragraph",
    "Section",
    "Signatures",
    "Table",
    "render_pdf",
    "render_pdf_async",
]


def __getattr__(name: str):
    # fpdf2 (and numpy under fontTools) load when a PDF is first drawn, not
    # when the bot starts: `meetbot run` polls sooner and stays smaller.
    if name in ("render_pdf", "render_pdf_async"):
        from bot.documents import pdf

        return getattr(pdf, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
