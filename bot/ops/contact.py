"""When Telegram last reached us: the last successful getUpdates (polling) or
accepted webhook call, kept in the database so `meetbot status` can tell
from another process. Written at most every few seconds per process."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.inbox import Poller
from bot.ops.models import ServiceValue

LAST_CONTACT = "last_contact"  # value: "poll 2026-11-30T12:00:00+00:00"
EVERY = 5.0  # seconds


class ContactRecorder:
    def __init__(self, sessionmaker: async_sessionmaker, kind: str, *, clock=time.monotonic):
        self.sessionmaker = sessionmaker
        self.kind = kind
        self.clock = clock
        self._last = None

    async def record(self) -> None:
        """Best effort: only a note for `meetbot status`; failing it fails nothing."""
        try:
            await self._record()
        except Exception:
            self._last = None

    async def _record(self) -> None:
        if self._last is not None and self.clock() - self._last < EVERY:
            return
        self._last = self.clock()
        now = datetime.now(timezone.utc)
        async with self.sessionmaker() as session, session.begin():
            row = await session.get(ServiceValue, LAST_CONTACT, with_for_update=True)
            if row is None:
                session.add(ServiceValue(name=LAST_CONTACT, value=f"{self.kind} {now.isoformat()}", updated_at=now))
            else:
                row.value, row.updated_at = f"{self.kind} {now.isoformat()}", now


async def last_contact(sessionmaker: async_sessionmaker) -> tuple[str, datetime] | None:
    async with sessionmaker() as session:
        row = await session.get(ServiceValue, LAST_CONTACT)
    if row is None or not row.value or row.updated_at is None:
        return None
    return row.value.split(" ", 1)[0], row.updated_at


class RecordingPoller(Poller):
    """The inbox's poller, noting each getUpdates Telegram answered."""

    def __init__(self, *args, recorder: ContactRecorder, **kwargs):
        super().__init__(*args, **kwargs)
        self.recorder = recorder

    async def fetch(self, offset: int, timeout: float) -> list:
        result = await super().fetch(offset, timeout)
        await self.recorder.record()
        return result
