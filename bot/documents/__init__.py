"""Documents the bot files: a plain document model and its PDF rendering.

The model (`model.py`) holds already-translated strings only; the caller
translates. `pdf.py` turns a `Document` into PDF bytes (fpdf2, DejaVu fonts
shipped with matplotlib).
"""

from bot.documents.model import Document, Fields, Paragraph, Section, Signatures, Table
from bot.documents.pdf import render_pdf, render_pdf_async

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
