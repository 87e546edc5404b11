"""What waits in the outbox, sealed at rest when `MEETBOT_ENCRYPTION_KEY` is set.

A row's parameters (the rendered text, which may quote answers and private
notes) are kept as {"sealed": "fernet:…"}, and its file (a calendar entry, a
network map, a QR code) as sealed bytes; the sender opens them just before the
call and drops both once the row is finished. Rows written without a key are
read as they are."""

from __future__ import annotations

import json

from bot.db.models import OutboxMessage
from bot.storage.sealing import Sealer

SEALED = "sealed"


def seal_row(row: OutboxMessage, sealer: Sealer | None) -> OutboxMessage:
    if sealer is None or not sealer.active:
        return row
    row.payload = sealed_payload(row.payload, sealer)
    row.blob = sealer.seal_bytes(row.blob)
    return row


def sealed_payload(payload: dict | None, sealer: Sealer) -> dict | None:
    """A row's parameters as they are stored: sealed when a key is set."""
    if payload is None or not sealer.active:
        return payload
    return {SEALED: sealer.seal(json.dumps(payload, ensure_ascii=False))}


def opened(row: OutboxMessage, sealer: Sealer) -> tuple[dict, bytes | None]:
    """The row's parameters and file, as they are to be sent."""
    payload = dict(row.payload or {})
    if set(payload) == {SEALED}:
        payload = json.loads(sealer.open(payload[SEALED]))
    return payload, sealer.open_bytes(row.blob)
