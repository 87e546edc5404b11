"""Turning a flow's Reply into outbox rows: Bot API method, parameters, and
for photos the picture itself. Rendering happens when the row is written, in
the reader's language, so a restart cannot change what is sent."""

from __future__ import annotations

import io

import segno

from bot.db.models import OutboxMessage
from bot.i18n import render, render_parts
from flows.outcome import Reply
from flows.router import stamp

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


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split at paragraph, then line, then word boundaries, never inside a tag."""
    chunks: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut <= 0:
            cut = window.rfind(" ")
        if cut <= 0 or window.rfind("<", 0, cut) > window.rfind(">", 0, cut):
            cut = limit  # no safe boundary: a hard cut is better than losing text
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    chunks.append(text)
    return [c for c in chunks if c]


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def outbox_rows(reply: Reply, chat_id: int, language: str, version: int, now) -> list[OutboxMessage]:
    text = render_parts(reply.parts, language)
    markup = keyboard(reply, language, version)
    common = {"chat_id": chat_id, "priority": reply.priority, "created_at": now, "not_before": now}
    if reply.qr_url:
        payload = {"caption": text[:MAX_CAPTION], "parse_mode": "HTML", "reply_markup": markup}
        return [OutboxMessage(method="sendPhoto", payload=payload, blob=qr_png(reply.qr_url), **common)]
    if reply.edit_message_id is not None:
        payload = {"message_id": reply.edit_message_id, "text": text[:MAX_TEXT], "parse_mode": "HTML", "reply_markup": markup}
        return [OutboxMessage(method="editMessageText", payload=payload, **common)]
    chunks = split_text(text)
    rows = []
    for i, chunk in enumerate(chunks):
        payload = {"text": chunk, "parse_mode": "HTML"}
        if i == len(chunks) - 1 and markup:
            payload["reply_markup"] = markup
        rows.append(OutboxMessage(method="sendMessage", payload=payload, **common))
    return rows


def clear_buttons_row(chat_id: int, message_id: int, now) -> OutboxMessage:
    return OutboxMessage(
        chat_id=chat_id, method="editMessageReplyMarkup", priority=0, created_at=now, not_before=now,
        payload={"message_id": message_id, "reply_markup": {"inline_keyboard": []}},
    )
