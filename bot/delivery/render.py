"""Turning a flow's Reply into outbox rows: Bot API method, parameters, and
for photos the picture itself. Rendering happens when the row is written, in
the reader's language, so a restart cannot change what is sent.

A chart or a network map takes a second or two to draw: its row carries what
to draw (every label already in the reader's language, under "draw") and the
sender draws it on a worker thread just before sending, so drawing never
holds the update's transaction or stalls the event loop."""

from __future__ import annotations

import io
import re
import threading

import segno

from bot.db.models import OutboxMessage
from bot.delivery.calendar import ics_bytes, ics_filename
from bot.delivery.sealed import seal_row
from bot.i18n import format_moment, render, render_parts
from bot.storage.sealing import Sealer
from flows.answers import KIND_NAMES
from flows.outcome import FeedbackChart, NetworkMap, Reply
from flows.router import stamp
from flows.text import _

MAX_TEXT = 4096
MAX_CAPTION = 1024


def keyboard(reply: Reply, language: str, version: int) -> dict | None:
    if not reply.buttons:
        return None
    rows = []
    for row in reply.buttons:
        rendered = []
        for button in row:
            item = {"text": render(button.label, language, plain=True)}
            if button.url:
                item["url"] = button.url
            else:
                item["callback_data"] = stamp(version if reply.stamp_buttons else None, button.action)
            rendered.append(item)
        rows.append(rendered)
    return {"inline_keyboard": rows}


_TAG = re.compile(r"<(/?)([a-z]+)[^>]*>")
_CLOSING_ROOM = 40  # room kept for closing tags that a cut leaves open


def _open_tags(html_text: str) -> list[tuple[str, str]]:
    """The (name, opening tag) pairs still open at the end of `html_text`."""
    stack: list[tuple[str, str]] = []
    for match in _TAG.finditer(html_text):
        if match.group(1):
            if stack and stack[-1][0] == match.group(2):
                stack.pop()
        else:
            stack.append((match.group(2), match.group(0)))
    return stack


def _cut_at(window: str) -> int:
    """Where to cut: a paragraph, a line, or a word boundary in the second
    half of the window; never inside a tag or an entity such as &amp;."""
    half = len(window) // 2
    cut = next((c for c in (window.rfind("\n\n"), window.rfind("\n"), window.rfind(" ")) if c >= half), len(window))
    lt, gt = window.rfind("<", 0, cut), window.rfind(">", 0, cut)
    if lt > gt:
        cut = lt
    amp, semi = window.rfind("&", 0, cut), window.rfind(";", 0, cut)
    if amp > semi and cut - amp <= 10:
        cut = amp
    return max(cut, 1)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split a long HTML text into messages Telegram accepts: tags left open
    at a cut are closed there and opened again in the next part, so nothing
    is lost and every part parses."""
    chunks: list[str] = []
    prefix = ""
    while len(prefix) + len(text) > limit:
        cut = _cut_at(text[: limit - len(prefix) - _CLOSING_ROOM])
        piece = prefix + text[:cut]
        opened = _open_tags(piece)
        chunks.append(piece.rstrip() + "".join(f"</{name}>" for name, _tag in reversed(opened)))
        prefix = "".join(tag for _name, tag in opened)
        text = text[cut:].lstrip()
    chunks.append(prefix + text)
    return [c for c in chunks if c.strip()]


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def outbox_rows(reply: Reply, chat_id: int, language: str, version: int, now,
                sealer: Sealer | None = None) -> list[OutboxMessage]:
    """The rows for one reply; with a key, their texts and files are sealed
    before they reach the database (they may quote what people wrote)."""
    rows = _rows(reply, chat_id, language, version, now)
    if reply.calendar is not None:
        payload = {"filename": ics_filename(reply.calendar, language), "caption": render(reply.calendar.title, language)[:MAX_CAPTION],
                   "parse_mode": "HTML"}
        rows.append(OutboxMessage(method="sendDocument", payload=payload, blob=ics_bytes(reply.calendar, language, now),
                                  chat_id=chat_id, priority=reply.priority, created_at=now, not_before=now))
    if reply.document is not None:
        rows.append(document_row(reply, chat_id, language, now))
    for row in rows:
        row.broadcast_ref = reply.broadcast
        if reply.protect_content and row.payload is not None:
            row.payload = {**row.payload, "protect_content": True}
    return [seal_row(row, sealer) for row in rows]


RENDERING = "render"  # an outbox row whose document is still to be drawn (bot.documents.worker)


def document_row(reply: Reply, chat_id: int, language: str, now) -> OutboxMessage:
    """The plan's PDF is drawn after the commit, off the event loop: the row
    waits as "render" until the document worker fills in the file and makes it
    pending. Its place in the chat's order is kept by its id."""
    payload = {"plan": reply.document.ref, "language": language}
    return OutboxMessage(method="sendDocument", payload=payload, status=RENDERING, chat_id=chat_id,
                         priority=reply.priority, created_at=now, not_before=now)


def _rows(reply: Reply, chat_id: int, language: str, version: int, now) -> list[OutboxMessage]:
    text = render_parts(reply.parts, language)
    markup = keyboard(reply, language, version)
    common = {"chat_id": chat_id, "priority": reply.priority, "created_at": now, "not_before": now}
    if reply.qr_url:
        payload = {"caption": text[:MAX_CAPTION], "parse_mode": "HTML", "reply_markup": markup, "filename": "qr.png"}
        return [OutboxMessage(method="sendPhoto", payload=payload, blob=qr_png(reply.qr_url), **common)]
    if reply.voice:
        payload = {"voice": reply.voice, "caption": text[:MAX_CAPTION], "parse_mode": "HTML", "reply_markup": markup}
        return [OutboxMessage(method="sendVoice", payload=payload, **common)]
    if reply.picture is not None:
        draw, filename = picture_spec(reply.picture, language)
        if len(text) <= MAX_CAPTION:
            payload = {"caption": text, "parse_mode": "HTML", "reply_markup": markup, "filename": filename, "draw": draw}
            return [OutboxMessage(method="sendPhoto", payload=payload, **common)]
        # A long list does not fit under a picture: the picture first, then the text with the buttons.
        picture = OutboxMessage(method="sendPhoto", payload={"filename": filename, "draw": draw}, **common)
        return [picture, *_text_rows(text, markup, common)]
    if reply.edit_message_id is not None:
        payload = {"message_id": reply.edit_message_id, "text": text[:MAX_TEXT], "parse_mode": "HTML", "reply_markup": markup}
        return [OutboxMessage(method="editMessageText", payload=payload, **common)]
    return _text_rows(text, markup, common)


def _text_rows(text: str, markup: dict | None, common: dict) -> list[OutboxMessage]:
    chunks = split_text(text)
    rows = []
    for i, chunk in enumerate(chunks):
        payload = {"text": chunk, "parse_mode": "HTML"}
        if i == len(chunks) - 1 and markup:
            payload["reply_markup"] = markup
        rows.append(OutboxMessage(method="sendMessage", payload=payload, **common))
    return rows


def picture_spec(picture: NetworkMap | FeedbackChart, language: str) -> tuple[dict, str]:
    """What to draw, as plain data with every label in the reader's language
    (kept in the outbox row, sealed with it), and the file's name."""
    if isinstance(picture, FeedbackChart):
        return {"chart": {
            "items": [render(item, language, plain=True) for item in picture.items],
            "dates": [format_moment(when, language) for when, _averages in picture.meetings],
            "averages": [list(averages) for _when, averages in picture.meetings],
            "low": picture.low,
            "low_label": render(_("low"), language, plain=True),
        }}, "feedback.png"
    return {"map": {
        "people": [[name, kind, closeness] for name, kind, closeness in picture.people],
        "centre": render(_("The child"), language, plain=True),
        "kind_labels": {kind: render(name, language, plain=True) for kind, name in KIND_NAMES.items()},
    }}, "network-map.png"


_drawing = threading.Lock()  # one picture at a time: the drawing libraries keep shared caches


def draw(spec: dict) -> bytes:
    """Draws a picture described by `picture_spec` (blocking: call it on a
    worker thread)."""
    with _drawing:
        if "chart" in spec:
            from bot.pictures.feedback_chart import feedback_chart_png  # matplotlib loads only when a chart is drawn

            return feedback_chart_png(**spec["chart"])
        from bot.pictures.network_map import MapPerson, network_map_png  # Pillow loads only when a map is drawn

        chart = spec["map"]
        people = [MapPerson(name, kind, closeness) for name, kind, closeness in chart["people"]]
        return network_map_png(people, centre=chart["centre"], kind_labels=chart["kind_labels"])


def clear_buttons_row(chat_id: int, message_id: int, now) -> OutboxMessage:
    """Removes a message's buttons: a message id and nothing anyone wrote."""
    return OutboxMessage(
        chat_id=chat_id, method="editMessageReplyMarkup", priority=0, created_at=now, not_before=now,
        payload={"message_id": message_id, "reply_markup": {"inline_keyboard": []}},
    )
