"""Incoming updates: stored before they are acknowledged, handled once.

The poller takes getUpdates' answer as raw JSON, not as python-telegram-bot
objects: the library parses a whole batch at once, and one update it cannot
read would fail the batch and, stored never, come back at the same offset
for ever. A batch is written keyed by update_id, together with the next
offset, in one transaction; only then is getUpdates asked again with that
offset, which is what tells Telegram they were received.

Usually that same transaction handles the batch (Dispatcher.store_and_handle):
its rows are written already handled, with no payload, beside the effects
of each update, and one commit makes all of it durable. That is done only
when every update in it is new and from a private chat and nothing stored
earlier still waits; if anything fails, the transaction is rolled back and
the batch is stored the usual way instead: as it came (sealed when
MEETBOT_ENCRYPTION_KEY is set), and handed to the dispatcher in memory.

The dispatcher takes stored, unhandled updates in update_id order and, one
at a time: parses it (one that cannot be parsed is recorded, logged once and
skipped); ignores everything that does not come from a private chat (and
leaves a group the bot was added to); hands the rest to
python-telegram-bot's Application, whose handlers reach the engine, which
marks the update handled in the same transaction as its effects. However a
row ends, its payload is dropped then."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Awaitable, Callable

from sqlalchemy import case, null, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.db.models import InboundUpdate, PollState
from bot.db.upsert import insert
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


async def mark_handled(session, update_id: int, now: datetime) -> bool:
    """Mark an update handled in the transaction of its effects, dropping its
    payload (the id is enough to refuse a repeat); False if it already was
    handled, and then the transaction must not commit. One statement: an
    update that never passed the inbox (a direct call) gets its row here;
    on PostgreSQL a second process handling the same update waits on the
    row and then finds it handled."""
    marked = await session.scalar(
        insert(session, InboundUpdate).values(update_id=update_id, received_at=now, handled_at=now, attempts=0)
        .on_conflict_do_update(index_elements=[InboundUpdate.update_id],
                               set_={"handled_at": now, "payload": null()},
                               where=InboundUpdate.handled_at.is_(None))
        .returning(InboundUpdate.update_id))
    return marked is not None


@dataclass
class Batch:
    """A batch being stored and handled in one transaction: its session, and
    what is to be done once it is committed (answer a button, hand replies to
    the sender, ...)."""

    session: AsyncSession
    after: list[Callable[[], Awaitable[None] | None]] = field(default_factory=list)


_BATCH: ContextVar[Batch | None] = ContextVar("meetbot_batch", default=None)


def current_batch() -> Batch | None:
    """The batch whose transaction the update being handled belongs to, if any."""
    return _BATCH.get()


async def after_commit(action: Callable[[], Awaitable[None] | None]) -> None:
    """Do `action` once the update's effects are committed: at once, or
    after the batch's commit."""
    batch = current_batch()
    if batch is not None:
        batch.after.append(action)
        return
    done = action()
    if inspect.isawaitable(done):
        await done


class _Abandon(Exception):
    """The batch cannot be handled in one transaction: store it the usual way."""


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
        # The Dispatcher that handles what this poller stores, in memory.
        self.dispatcher = None

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
        new offset, or None if not one item had an update_id to key it by.
        When the dispatcher may handle them at once, they are stored and
        handled in one transaction (Dispatcher.store_and_handle); else they
        are stored and handed to it."""
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
        if self.dispatcher is not None and await self.dispatcher.store_and_handle(
                keyed, lambda session, now: self.write(session, keyed, offset, now, handled=True)):
            return offset
        async with self.sessionmaker() as session, session.begin():
            fresh = await self.write(session, keyed, offset, _utcnow())
        if self.dispatcher is not None and fresh:
            # Committed: the dispatcher may take them as they are, without reading them back.
            self.dispatcher.take([(update_id, keyed[update_id]) for update_id in sorted(fresh)])
        return offset

    async def write(self, session, keyed: dict[int, dict], offset: int, now: datetime, *,
                    handled: bool = False) -> set[int]:
        """Two statements: one stores the batch and says which rows are new (a
        repeat of an update already stored is left as it is), one moves the
        offset on (never back). Rows written `handled` keep no payload."""
        fresh = set(await session.scalars(
            insert(session, InboundUpdate)
            .values([{"update_id": update_id, "received_at": now, "attempts": 0,
                      **({"handled_at": now, "payload": null()} if handled
                         else {"payload": seal_payload(raw, self.sealer)})}
                     for update_id, raw in keyed.items()])
            .on_conflict_do_nothing(index_elements=[InboundUpdate.update_id])
            .returning(InboundUpdate.update_id)))
        await session.execute(
            insert(session, PollState).values(id=1, next_offset=offset)
            .on_conflict_do_update(index_elements=[PollState.id], set_={"next_offset": case(
                (PollState.next_offset > offset, PollState.next_offset), else_=offset)}))
        return fresh

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
    """Handles the inbox in update_id order. The batches this process's
    poller stores are handed over in memory (`take`) and handled as they
    came, with no read-back; the inbox itself is read when it may hold rows
    that were not handed over: at start, after a failed attempt (to try it
    again), when a read was cut off at its limit, and at least every
    LOOK_EVERY seconds (rows another process stored)."""

    LOOK_EVERY = 1.0

    def __init__(self, sessionmaker: async_sessionmaker, application: Application, *, on_failure=None,
                 sealer: Sealer | None = None):
        self.sessionmaker = sessionmaker
        self.application = application
        self.sealer = sealer or Sealer()
        self.failed: set[int] = application.bot_data.setdefault("failed_updates", set())
        self.on_failure = on_failure  # async (session, chat_id): tells the person something went wrong
        self._wake = asyncio.Event()
        self._handed: dict[int, dict] = {}  # update_id -> the update, stored and committed
        self._looked_at = float("-inf")  # when the inbox was last read (monotonic)
        self._handling = asyncio.Lock()  # one update (or batch) at a time, in update_id order

    def wake(self) -> None:
        self._wake.set()

    def take(self, updates: list[tuple[int, dict]]) -> None:
        """Updates just stored (and committed) by this process, to handle as they are."""
        self._handed.update(updates)
        self._wake.set()

    def look_again(self) -> None:
        """The inbox may hold rows that were not handed over: read it next time."""
        self._looked_at = float("-inf")

    def has_work(self) -> bool:
        """Rows were handed over, or it is time to read the inbox."""
        return bool(self._handed) or self._look_due()

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            self._wake.clear()  # before looking, so a wake-up during the look is not lost
            handled = await self.dispatch_pending()
            if handled == 0:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.LOOK_EVERY)
                except TimeoutError:
                    pass

    async def may_handle_now(self) -> bool:
        """Whether this process may handle a batch at once (SharedDispatcher:
        only while it holds the inbox)."""
        return True

    async def store_and_handle(self, updates: dict[int, dict], write) -> bool:
        """Store a batch and handle it in one transaction, and commit once:
        `write(session, now)` stores the rows already handled (Poller.write).
        Only when every update is new and from a private chat, and nothing
        stored earlier waits; if anything fails, nothing is written and
        False says to store the batch the usual way (then each update is
        handled in a transaction of its own, and a failure counted)."""
        if not await self.may_handle_now():
            return False
        parsed = []
        for update_id, raw in sorted(updates.items()):
            try:
                update = Update.de_json(raw, self.application.bot)
            except Exception:
                return False
            if not served(update):
                return False
            parsed.append(update)
        async with self._handling:
            # What was stored before goes first, each update on its own (the
            # usual way): rows handed over, and when it is time to look, the
            # inbox's (rows another process stored, or one to be tried again).
            try:
                for _round in range(MAX_HANDLING_ATTEMPTS + 1):
                    if not self.has_work():
                        break
                    await self._dispatch_pending(100)
            except Exception:  # the database went away for a moment: the usual way
                log.warning("could not handle the updates before a batch", exc_info=True)
                return False
            if self.has_work():
                return False
            try:
                async with self.sessionmaker() as session, session.begin():
                    if len(await write(session, _utcnow())) < len(updates):
                        raise _Abandon  # a repeat: the inbox knows whether it was handled
                    batch = Batch(session)
                    reset = _BATCH.set(batch)
                    try:
                        for update in parsed:
                            await self.application.process_update(update)
                            if update.update_id in self.failed:
                                self.failed.discard(update.update_id)  # counted when tried on its own
                                raise _Abandon
                    finally:
                        _BATCH.reset(reset)
            except _Abandon:
                return False
            except Exception:  # the commit failed, say: the usual way, from the start
                log.warning("a batch could not be handled in one transaction; each is handled on its own",
                            exc_info=True)
                return False
        # Committed. In order, and the Bot API calls among them (answers to
        # buttons, command menus) side by side: they are independent.
        calls = []
        for action in batch.after:
            try:
                done = action()
            except Exception:  # committed already; what is left is a courtesy or found again
                log.exception("after handling a batch")
                continue
            if inspect.isawaitable(done):
                calls.append(done)
        for result in await asyncio.gather(*calls, return_exceptions=True):
            if isinstance(result, Exception):
                log.error("after handling a batch", exc_info=result)
        return True

    async def dispatch_pending(self, limit: int = 100) -> int:
        async with self._handling:
            return await self._dispatch_pending(limit)

    async def _dispatch_pending(self, limit: int) -> int:
        rows = await self._look(limit) if self._look_due() else sorted(self._handed.items())[:limit]
        for update_id, payload in rows:
            self._handed.pop(update_id, None)
            await self._dispatch(update_id, payload)
        return len(rows)

    def _look_due(self) -> bool:
        return asyncio.get_running_loop().time() - self._looked_at >= self.LOOK_EVERY

    async def _look(self, limit: int) -> list[tuple[int, dict | None]]:
        """Read the inbox: its unhandled rows in update_id order. Every row
        handed over so far was committed before this read, so the read has
        it (or, past the limit, reads it next time)."""
        self._handed.clear()
        self._looked_at = asyncio.get_running_loop().time()
        async with self.sessionmaker() as session:
            rows = (await session.execute(
                select(InboundUpdate.update_id, InboundUpdate.payload).where(InboundUpdate.handled_at.is_(None))
                .order_by(InboundUpdate.update_id).limit(limit)
            )).all()
        if len(rows) == limit:
            self.look_again()
        return [tuple(row) for row in rows]

    async def _dispatch(self, update_id: int, payload: dict | None) -> None:
        """Handle one update: `payload` as stored (perhaps sealed) or as it came."""
        if payload is None:  # recorded without a payload: nothing to handle
            await self._finish(update_id)
            return
        try:
            update = Update.de_json(open_payload(payload, self.sealer), self.application.bot)
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
        self.look_again()  # it stays in the inbox, to be tried again from there
        if await self._count_failure(update_id):
            await self._apologise(update_id, update.effective_chat.id)

    async def _finish(self, update_id: int, *, error: str | None = None) -> bool:
        """Mark a row handled with no effects; False if it already was."""
        async with self.sessionmaker() as session, session.begin():
            result = await session.execute(
                update(InboundUpdate)
                .where(InboundUpdate.update_id == update_id, InboundUpdate.handled_at.is_(None))
                .values(handled_at=_utcnow(), payload=null(), error=error))
        return result.rowcount == 1

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
