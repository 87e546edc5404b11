"""Incoming updates: stored before they are acknowledged, handled once.

The poller takes getUpdates' answer as raw JSON, not as python-telegram-bot
objects: the library parses a whole batch at once, and one update it cannot
read would fail the batch and, stored never, come back at the same offset
for ever. Each update is written as it came (sealed when
MEETBOT_ENCRYPTION_KEY is set), keyed by its update_id, together with the
next offset in one transaction; only then is getUpdates asked again with
that offset, which is what tells Telegram they were received.

The dispatcher takes stored, unhandled updates in update_id order and, one
at a time: parses it (one that cannot be parsed is recorded, logged once and
skipped); ignores everything that does not come from a private chat (and
leaves a group the bot was added to); hands the rest to
python-telegram-bot's Application, whose handlers reach the engine, which
marks the update handled in the same transaction as its effects. However a
row ends, its payload is dropped then."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker
from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.db.models import InboundUpdate, PollState
from bot.delivery.limits import retry_seconds
from bot.storage.sealing import Sealer, SealingError

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
MAX_HANDLING_ATTEMPTS = 3
# How long a long poll may take beyond its own timeout before it counts as lost.
POLL_READ_MARGIN = 10.0


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def seal_payload(raw: dict, sealer: Sealer) -> dict:
    """What the payload column holds: the update itself, or with a key set
    {"sealed": "fernet:…"} (an update never has a key of that name)."""
    if not sealer.active:
        return raw
    return {"sealed": sealer.seal(json.dumps(raw, ensure_ascii=False, separators=(",", ":")))}


def open_payload(stored: dict, sealer: Sealer) -> dict:
    if isinstance(stored, dict) and set(stored) == {"sealed"}:
        return json.loads(sealer.open(stored["sealed"]))
    return stored


def _update_id(item: object) -> int | None:
    value = item.get("update_id") if isinstance(item, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class Poller:
    def __init__(self, sessionmaker: async_sessionmaker, application: Application, *, timeout: int = 25,
                 sealer: Sealer | None = None):
        self.sessionmaker = sessionmaker
        self.application = application
        self.timeout = timeout
        self.sealer = sealer or Sealer()

    async def next_offset(self) -> int:
        async with self.sessionmaker() as session:
            state = await session.get(PollState, 1)
            return state.next_offset if state else 0

    async def fetch(self, offset: int, timeout: float) -> list:
        """One getUpdates call, answered as the list of JSON objects Telegram
        sent. `Bot._post` is what python-telegram-bot's own get_updates calls
        before it parses; it routes getUpdates to the bot's polling connection
        and raises the library's errors (RetryAfter, Conflict, ...)."""
        result = await self.application.bot._post(
            "getUpdates",
            {"offset": offset, "timeout": timeout, "allowed_updates": ALLOWED_UPDATES},
            read_timeout=timeout + POLL_READ_MARGIN,
        )
        return result if isinstance(result, list) else []

    async def store(self, updates: list) -> int | None:
        """Store a batch of raw updates and the offset after it; returns the
        new offset, or None if not one item had an update_id to key it by."""
        keyed = {}
        for item in updates:
            update_id = _update_id(item)
            if update_id is None:
                # Telegram always sends one; without it nothing can be stored or confirmed.
                log.warning("getUpdates answered an item without an update_id; it is skipped")
            else:
                keyed[update_id] = item
        if not keyed:
            return None
        offset = max(keyed) + 1
        async with self.sessionmaker() as session, session.begin():
            known = set(await session.scalars(
                select(InboundUpdate.update_id).where(InboundUpdate.update_id.in_(list(keyed)))))
            now = _utcnow()
            for update_id, raw in keyed.items():
                if update_id not in known:
                    session.add(InboundUpdate(update_id=update_id, payload=seal_payload(raw, self.sealer),
                                              received_at=now))
            state = await session.get(PollState, 1)
            if state is None:
                session.add(PollState(id=1, next_offset=offset))
            else:
                state.next_offset = max(state.next_offset, offset)
        return offset

    async def run(self, stopping: asyncio.Event, on_stored) -> None:
        offset = await self.next_offset()
        failures = 0
        while not stopping.is_set():
            try:
                updates = await self.fetch(offset, self.timeout)
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
            if not updates:
                continue
            stored_up_to = await self.store(updates)
            if stored_up_to is None:
                await asyncio.sleep(1.0)  # nothing usable came back; do not ask again at once
                continue
            offset = stored_up_to
            on_stored()


def served(update: Update) -> bool:
    """Only private chats are served: a group, supergroup or channel could be
    read by anyone in it, and a button pressed on an inline message has no
    chat at all."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def bot_is_out(update: Update) -> bool:
    member = update.my_chat_member
    return member is not None and member.new_chat_member.status in ("left", "kicked")


class Dispatcher:
    def __init__(self, sessionmaker: async_sessionmaker, application: Application, *, on_failure=None,
                 sealer: Sealer | None = None):
        self.sessionmaker = sessionmaker
        self.application = application
        self.sealer = sealer or Sealer()
        self.failed: set[int] = application.bot_data.setdefault("failed_updates", set())
        self.on_failure = on_failure  # async (session, chat_id): tells the person something went wrong
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
        update_id = row.update_id
        if row.payload is None:  # recorded without a payload: nothing to handle
            await self._finish(update_id)
            return
        try:
            update = Update.de_json(open_payload(row.payload, self.sealer), self.application.bot)
            private, out = served(update), bot_is_out(update)
        except Exception as exc:
            # Logged with the exception's type only: its text may quote the update.
            if await self._finish(update_id, error=f"unreadable: {type(exc).__name__}"):
                if isinstance(exc, SealingError):
                    log.error("update %s could not be opened (%s); it is skipped", update_id, exc)
                else:
                    log.warning("update %s could not be read (%s); it is skipped", update_id, type(exc).__name__)
            return
        if not private:
            if not out:
                await self._leave(update)
            await self._finish(update_id)
            return
        await self.application.process_update(update)
        engine = self.application.bot_data.get("engine")
        if engine is not None and update_id in engine.handled_ids:
            engine.handled_ids.discard(update_id)
            return
        if update_id not in self.failed:
            # Nothing marked it handled (a block or unblock, a kind of update
            # no handler takes): nothing more to do.
            await self._finish(update_id)
            return
        self.failed.discard(update_id)
        if await self._count_failure(update_id):
            await self._apologise(update_id, update.effective_chat.id)

    async def _finish(self, update_id: int, *, error: str | None = None) -> bool:
        """Mark a row handled with no effects; False if it already was."""
        async with self.sessionmaker() as session, session.begin():
            fresh = await session.get(InboundUpdate, update_id, with_for_update=True)
            if fresh is None or fresh.handled_at is not None:
                return False
            fresh.handled_at, fresh.payload, fresh.error = _utcnow(), None, error
        return True

    async def _count_failure(self, update_id: int) -> bool:
        """Count a failed attempt; after the last one, give up (committed
        here, on its own). True if this call gave up."""
        async with self.sessionmaker() as session, session.begin():
            fresh = await session.get(InboundUpdate, update_id, with_for_update=True)
            if fresh is None or fresh.handled_at is not None:
                return False
            fresh.attempts += 1
            if fresh.attempts < MAX_HANDLING_ATTEMPTS:
                return False
            fresh.handled_at, fresh.payload, fresh.error = _utcnow(), None, "gave up"
        log.error("gave up on update %s after %d attempts", update_id, MAX_HANDLING_ATTEMPTS)
        return True

    async def _apologise(self, update_id: int, chat_id: int) -> None:
        """Tell the person, in a transaction of its own: the give-up is
        committed already, and a failure here must not undo it."""
        if self.on_failure is None:
            return
        try:
            async with self.sessionmaker() as session, session.begin():
                await self.on_failure(session, chat_id)
        except Exception:
            log.exception("could not apologise for update %s", update_id)

    async def _leave(self, update: Update) -> None:
        """Leave a group, supergroup or channel the bot is in (not a private chat)."""
        chat = update.effective_chat
        if chat is None:
            return
        try:
            await self.application.bot.leave_chat(chat.id)
            log.info("left a %s the bot was added to: only private chats are served", chat.type)
        except (Forbidden, BadRequest):
            pass  # not in it (any more): an update queued before it left, or a forwarded button
        except Exception as exc:  # best effort, never holding up the inbox: the next update from there tries again
            log.warning("could not leave a %s (%s)", chat.type, type(exc).__name__)
