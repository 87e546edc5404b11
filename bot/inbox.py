"""Incoming updates: stored before they are acknowledged, handled once.

The poller asks getUpdates for new updates, writes them and the next offset
in one transaction, and only then asks again with that offset, which is what
tells Telegram they were received. The dispatcher hands stored, unhandled
updates to python-telegram-bot's Application in update_id order; the engine
marks each handled in the same transaction as its effects."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker
from telegram import Update
from telegram.error import Conflict, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.db.models import InboundUpdate, PollState
from bot.delivery.limits import retry_seconds

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
MAX_HANDLING_ATTEMPTS = 3


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Poller:
    def __init__(self, sessionmaker: async_sessionmaker, application: Application, *, timeout: int = 25):
        self.sessionmaker = sessionmaker
        self.application = application
        self.timeout = timeout

    async def next_offset(self) -> int:
        async with self.sessionmaker() as session:
            state = await session.get(PollState, 1)
            return state.next_offset if state else 0

    async def store(self, updates: list[Update]) -> int:
        """Store a batch and the offset after it; returns the new offset."""
        offset = updates[-1].update_id + 1
        async with self.sessionmaker() as session, session.begin():
            ids = [u.update_id for u in updates]
            known = set(await session.scalars(select(InboundUpdate.update_id).where(InboundUpdate.update_id.in_(ids))))
            for item in updates:
                if item.update_id not in known:
                    session.add(InboundUpdate(update_id=item.update_id, payload=item.to_dict(), received_at=_utcnow()))
            state = await session.get(PollState, 1)
            if state is None:
                session.add(PollState(id=1, next_offset=offset))
            else:
                state.next_offset = max(state.next_offset, offset)
        return offset

    async def run(self, stopping: asyncio.Event, on_stored) -> None:
        bot = self.application.bot
        offset = await self.next_offset()
        failures = 0
        while not stopping.is_set():
            try:
                updates = await bot.get_updates(offset=offset, timeout=self.timeout, allowed_updates=ALLOWED_UPDATES)
                failures = 0
            except RetryAfter as exc:
                await asyncio.sleep(retry_seconds(exc))
                continue
            except Conflict:
                # Another process polls with this token (or a killed one's poll
                # is still open at Telegram): wait for it to go away.
                log.warning("another getUpdates is running with this token; waiting")
                await asyncio.sleep(1.0)
                continue
            except (NetworkError, TimedOut) as exc:
                failures += 1
                log.warning("getUpdates failed (%s); retrying", exc)
                await asyncio.sleep(min(2 ** failures, 30) * 0.5)
                continue
            if updates:
                offset = await self.store(list(updates))
                on_stored()


class Dispatcher:
    def __init__(self, sessionmaker: async_sessionmaker, application: Application, *, on_failure=None):
        self.sessionmaker = sessionmaker
        self.application = application
        self.failed: set[int] = application.bot_data.setdefault("failed_updates", set())
        self.on_failure = on_failure  # tells the person something went wrong
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            self._wake.clear()  # before looking, so a wake-up during the look is not lost
            handled = await self.dispatch_pending()
            if handled == 0:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=1.0)
                except TimeoutError:
                    pass

    async def dispatch_pending(self, limit: int = 100) -> int:
        async with self.sessionmaker() as session:
            rows = list(await session.scalars(
                select(InboundUpdate).where(InboundUpdate.handled_at.is_(None))
                .order_by(InboundUpdate.update_id).limit(limit)
            ))
        for row in rows:
            await self._dispatch(row)
        return len(rows)

    async def _dispatch(self, row: InboundUpdate) -> None:
        parsed = Update.de_json(row.payload, self.application.bot) if row.payload else None
        if parsed is not None:
            await self.application.process_update(parsed)
        engine = self.application.bot_data.get("engine")
        if engine is not None and row.update_id in engine.handled_ids:
            engine.handled_ids.discard(row.update_id)
            return
        async with self.sessionmaker() as session, session.begin():
            fresh = await session.get(InboundUpdate, row.update_id, with_for_update=True)
            if fresh is None or fresh.handled_at is not None:
                return
            if row.update_id not in self.failed:
                # No handler wanted it (a group message, an edit): nothing to do.
                fresh.handled_at, fresh.payload = _utcnow(), None
                return
            self.failed.discard(row.update_id)
            fresh.attempts += 1
            if fresh.attempts < MAX_HANDLING_ATTEMPTS:
                return
            fresh.handled_at, fresh.payload, fresh.error = _utcnow(), None, "gave up"
            if self.on_failure and parsed is not None and parsed.effective_chat is not None:
                await self.on_failure(session, parsed.effective_chat.id)
