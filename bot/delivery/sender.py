"""The outbox sender: drains due messages within Telegram's limits.

Several senders (processes) may run against one PostgreSQL database: a sender
claims whole chats with a lease, so one chat's messages keep their order and
no message is sent by two senders. A crash leaves claims that simply expire.
Sending is at-least-once: a kill between Telegram's answer and our commit can
repeat that one message, nothing else.

Order: per chat, nothing overtakes a waiting message of the same or a more
urgent priority. A message that failed waits (backs off) with every later
message of its chat of the same or a less urgent priority behind it; only a
more urgent one (a reply passing bulk) may go first. Every failure is
counted; after `max_attempts` the message is given up (`failed`). Whatever
the outcome, a finished row keeps no text and no file."""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import secrets
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import String, and_, bindparam, cast, exists, func, null, or_, select, text, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import aliased
from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.db.models import OutboxMessage, Person
from bot.delivery.limits import RateLimits, retry_seconds
from bot.delivery.render import RENDERING, draw
from bot.delivery.sealed import opened
from bot.storage.sealing import Sealer

log = logging.getLogger(__name__)

STOP_GRACE = 5.0  # seconds a stopping sender waits for the calls under way
LEASE = timedelta(seconds=30)  # how long a crashed sender's claim blocks its chats
MAX_ATTEMPTS = 15  # the 15th failure gives up: with backoff capped at 5 minutes, about 40 minutes of trying
BATCH = 200  # chats per claim
LOOK_EVERY = 0.5  # seconds: how often the outbox is looked at for what no wake-up announced
# Messages per chat per claim. With twice the chats in flight that the
# global pace needs (chats_in_flight), each gets about half its per-chat
# rate: five at one a second take about ten seconds, well inside the lease.
PER_CHAT = 5
CLAIM_LOCK = 0x6F7574626F78  # the PostgreSQL advisory lock that makes claims take turns


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _holds_bulk(rows: list[OutboxMessage]) -> bool:
    """Whether a chat in flight takes up room (replies never do)."""
    return any(row.priority > 0 for row in rows)


def _within_room(chat_ids: list[int], candidates, room: int) -> list[int]:
    """The ids to claim: per chat a prefix of its (priority, id) order, at
    most PER_CHAT. `room` counts chats with anything but replies: a chat
    with a reply waiting is always taken (its replies at least), any other
    chat only while room lasts, the chats in their claiming order."""
    by_chat: dict[int, list] = {chat: [] for chat in chat_ids}
    for row in candidates:
        by_chat[row.chat_id].append(row)
    taken: list[int] = []
    for chat in chat_ids:
        rows = by_chat[chat][:PER_CHAT]
        if room <= 0:
            # Only the replies at its head; the chat's later rows wait behind them.
            rows = list(itertools.takewhile(lambda row: row.priority == 0, rows))
        if _holds_bulk(rows):
            room -= 1
        taken.extend(row.id for row in rows)
    return taken


def backoff(attempts: int) -> float:
    return min(2.0 ** attempts, 300.0) * (0.75 + secrets.randbelow(500) / 1000)


class OutboxSender:
    def __init__(self, sessionmaker: async_sessionmaker, bot: Bot, limits: RateLimits, *, clock=_utcnow,
                 concurrency: int | None = None, sealer: Sealer | None = None, max_attempts: int = MAX_ATTEMPTS,
                 retry_delay: Callable[[int], float] = backoff):
        self.sessionmaker = sessionmaker
        self.bot = bot
        self.limits = limits
        self.clock = clock
        self.sealer = sealer or Sealer()
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay  # seconds to wait after the n-th failure
        self._wake = asyncio.Event()
        # Calls under way at once: a second's worth of the pace, since a call
        # to Telegram can take that long (at 30/s, 30; never fewer than 16,
        # and at most 128 of the HTTP pool's 256 connections). With a fixed
        # 16, a pace above 16/s waited for answers instead of sending:
        # bench_shared_reminders went from 208/s to 323/s with more.
        self.concurrency = concurrency or min(128, max(16, math.ceil(limits.global_rate)))
        self._slots = asyncio.Semaphore(self.concurrency)
        self._stopping = False
        self.sent = 0
        # Rows the engine wrote already claimed with this token and handed
        # over after its commit (take): sent without a claim or a read-back.
        self.own_claim = secrets.token_hex(8)
        self._handed: list[OutboxMessage] = []
        self._look = True  # whether the next round claims from the outbox too
        self._looked_at = float("-inf")
        # Sent messages waiting to be recorded: one statement and one commit
        # records all that finished meanwhile (_record_sent).
        self._receipts: dict[int, dict] = {}  # row id -> what to record
        self._recording: asyncio.Task | None = None

    def chats_in_flight(self) -> int:
        """How many chats may have bulk claimed at once. Telegram lets each
        chat have about one message a second, so the pace a drain reaches is
        the number of chats sending times that, however many messages each
        holds: twice the chats the global pace needs keep its every slot
        taken while a chat waits out its own interval. Never fewer than the
        calls that may run at once, since one chat's messages go one after
        another. Asked at each claim: the global pace is this process's
        share (bot.ops.sharing), which changes as processes come and go."""
        chats_per_chat_interval = self.limits.chat_interval / self.limits.global_interval
        return max(self.concurrency, math.ceil(2 * chats_per_chat_interval))

    def lease(self) -> datetime:
        """Until when a claim taken now holds (by this sender's clock, which
        may differ from the engine's in tests)."""
        return self.clock() + LEASE

    def take(self, rows: list[OutboxMessage]) -> None:
        """Rows committed already claimed by this sender (own_claim), in order."""
        self._handed.extend(rows)
        self._wake.set()

    def wake(self) -> None:
        """Something was queued that only the outbox knows of: claim it."""
        self._look = True
        self._wake.set()

    async def run(self, stopping: asyncio.Event) -> None:
        """Keep claiming chats while others are still being sent to, so a
        fresh reply never waits for a slow bulk send to another chat; but
        claim no more than can be sent well within a lease."""
        in_flight: dict[asyncio.Task, list[OutboxMessage]] = {}
        try:
            await self.forget_finished()
        except Exception:  # the database went away for a moment: the next start does it
            log.exception("outbox: could not clear finished messages")
        while not stopping.is_set():
            self._wake.clear()  # before looking, so a wake-up during the look is not lost
            chats = self._take_handed()
            if self._look or self._since_look() >= LOOK_EVERY:
                self._look, self._looked_at = False, asyncio.get_running_loop().time()
                try:
                    # Replies are claimed whatever is in flight; the rest only
                    # into the room left, counted in chats (see _claim).
                    bulk_chats = sum(1 for rows in in_flight.values() if _holds_bulk(rows))
                    claimed = await self._claim(room=self.chats_in_flight() - bulk_chats)
                except Exception:  # the database went away for a moment: try again soon
                    log.exception("outbox claim failed")
                    claimed = []
                # Something was due: more may be, once room is free again.
                self._look = bool(claimed)
                chats += claimed
            for rows in chats:
                task = asyncio.create_task(self._send_chat(rows))
                in_flight[task] = rows
                task.add_done_callback(lambda t: (in_flight.pop(t, None), self._wake.set()))
            if not chats:
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=LOOK_EVERY)
                except TimeoutError:
                    pass
        # Stopping: finish the calls under way (so what Telegram accepted is
        # recorded as sent, not sent again), start no new ones, and hand back
        # every claim, so a restarted bot need not wait for leases to run out.
        self._stopping = True
        claims = {row.claim for rows in in_flight.values() for row in rows} | {self.own_claim}
        if in_flight:
            _done, late = await asyncio.wait(list(in_flight), timeout=STOP_GRACE)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if claims:
            async with self.sessionmaker() as session, session.begin():
                await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.claim.in_(claims), OutboxMessage.status == "pending")
                    .values(claim=None, claimed_until=None)
                )

    def _since_look(self) -> float:
        return asyncio.get_running_loop().time() - self._looked_at

    def _take_handed(self) -> list[list[OutboxMessage]]:
        """The rows handed over since the last round, as each chat's list."""
        handed, self._handed = self._handed, []
        by_chat: dict[int, list[OutboxMessage]] = {}
        for row in handed:
            by_chat.setdefault(row.chat_id, []).append(row)
        return list(by_chat.values())

    async def forget_finished(self) -> int:
        """Drop the text and file of messages finished before this version
        kept none (they stayed with failed and undeliverable ones)."""
        async with self.sessionmaker() as session, session.begin():
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status != "pending",
                       or_(cast(OutboxMessage.payload, String) != "null", OutboxMessage.blob.is_not(None)))
                .values(payload=null(), blob=None)
            )
        return result.rowcount

    async def drain_once(self) -> int:
        """Send what is due now and wait for it (tests, benchmarks, `purge`)."""
        chats = self._take_handed() + await self._claim()
        await asyncio.gather(*(self._send_chat(rows) for rows in chats))
        return sum(len(rows) for rows in chats)

    async def _claim(self, room: int | None = None) -> list[list[OutboxMessage]]:
        """Claim due messages of whole chats: a list of each chat's rows, in
        order. Replies (priority 0) are always taken; other messages only
        while `room` lasts, counted in chats (None: BATCH chats), the chats
        with the most urgent and oldest first, so a full bulk send in flight never holds a reply
        back. A chat's rows are taken as a prefix of its (priority, id)
        order, and a chat with claimed rows is not claimed again: order
        within a chat holds. Each claim has its own token, so rows whose
        lease ran out and were claimed again are recognised, even by this
        same process."""
        now = self.clock()
        token = secrets.token_hex(8)
        earlier = aliased(OutboxMessage)
        # An earlier message of the chat, as urgent or more, that waits after a
        # failure: nothing may overtake it.
        behind_a_waiting_one = exists().where(
            # The chat and the two statuses first: the chat's own index finds
            # them; with its status under an OR, PostgreSQL scanned every
            # pending message of the outbox once for each (seconds with 10,000).
            earlier.chat_id == OutboxMessage.chat_id,
            earlier.status.in_(("pending", RENDERING)),
            earlier.priority <= OutboxMessage.priority,
            earlier.id < OutboxMessage.id,
            # waiting after a failure, or a document still being drawn (it
            # becomes pending, or failed, within seconds: bot.documents.worker)
            or_(earlier.status == RENDERING, earlier.not_before > now),
        )
        claimable = and_(
            OutboxMessage.status == "pending",
            OutboxMessage.not_before <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            ~behind_a_waiting_one,
        )
        room = BATCH if room is None else max(room, 0)
        async with self.sessionmaker() as session, session.begin():
            if session.bind.dialect.name == "postgresql":
                # One claim at a time across processes, so a claim sees every
                # chat another has just taken (and no message written meanwhile
                # to such a chat is taken by a second sender).
                await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK})
            busy = select(OutboxMessage.chat_id).where(
                OutboxMessage.status == "pending", OutboxMessage.claimed_until >= now
            )
            # Whole chats, none another sender holds; replies first. With no
            # room left, only chats with a reply waiting.
            chats = (
                select(OutboxMessage.chat_id)
                .where(claimable, OutboxMessage.chat_id.not_in(busy))
                .group_by(OutboxMessage.chat_id)
                .order_by(func.min(OutboxMessage.priority), func.min(OutboxMessage.id))
                .limit(BATCH)
            )
            if room == 0:
                chats = chats.having(func.min(OutboxMessage.priority) == 0)
            chat_ids = list(await session.scalars(chats))
            if not chat_ids:
                return []
            candidates = (await session.execute(
                select(OutboxMessage.id, OutboxMessage.chat_id, OutboxMessage.priority)
                .where(claimable, OutboxMessage.chat_id.in_(chat_ids))
                .order_by(OutboxMessage.priority, OutboxMessage.id)
            )).all()
            taken = _within_room(chat_ids, candidates, room)
            if not taken:
                return []
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(taken), claimable)
                .values(claim=token, claimed_until=now + LEASE)
                .execution_options(synchronize_session=False)
            )
        async with self.sessionmaker() as session:
            rows = list(await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.claim == token, OutboxMessage.status == "pending")
                .order_by(OutboxMessage.priority, OutboxMessage.id)
            ))
        by_chat: dict[int, list[OutboxMessage]] = {chat: [] for chat in chat_ids}
        for row in rows:
            by_chat.setdefault(row.chat_id, []).append(row)
        return [chat_rows for chat_rows in by_chat.values() if chat_rows]

    async def _send_chat(self, rows: list[OutboxMessage]) -> None:
        try:
            await self._send_in_order(rows)
        except Exception:  # the database went away: the claims run out and the chat is tried again, in order
            log.exception("outbox: sending to a chat stopped")

    async def _send_in_order(self, rows: list[OutboxMessage]) -> None:
        """One chat's messages, in order; stop at the first that must wait
        (the rest wait behind it: the claim will not take them before it)."""
        for i, row in enumerate(rows):
            if self._stopping:
                await self._release(rows[i:])
                return
            if not await self._still_ours(row):
                return  # our lease ran out and the chat was claimed again
            carry_on = await self._send_one(row)
            if not carry_on:
                await self._release(rows[i + 1:])
                return

    async def _still_ours(self, row: OutboxMessage) -> bool:
        """Renew the lease of the row about to be sent, if we still hold it.
        A claim younger than a third of the lease cannot have been lost."""
        if self.clock() - row.claimed_until + LEASE < LEASE / 3:
            return True
        async with self.sessionmaker() as session, session.begin():
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.claim == row.claim,
                       OutboxMessage.status == "pending")
                .values(claimed_until=self.clock() + LEASE)
            )
        return result.rowcount == 1

    async def _send_one(self, row: OutboxMessage) -> bool:
        """Send one message; True if the chat's next message may follow."""
        try:
            payload, blob = opened(row, self.sealer)
            if payload.get("draw"):
                # A chart or a map: drawn here, on a worker thread, so nothing else waits for it.
                blob = await asyncio.to_thread(draw, payload["draw"])
            # Pace right before the call, so database latency cannot bunch sends up.
            await self.limits.acquire(row.chat_id, row.priority)
            async with self._slots:  # only the HTTP call: pacing must not hold a slot
                message_id = await self._call(row, payload, blob)
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            self.limits.pause(wait)
            await self._finish(row.id, not_before=self.clock() + timedelta(seconds=wait), error="429")
            return False
        except Forbidden:
            await self._blocked(row.chat_id)
            return False
        except BadRequest as exc:
            why = exc.message.lower()
            if "not modified" in why:
                await self._finish(row.id, status="sent")
                return True
            if "chat not found" in why:
                await self._undeliverable(row.chat_id, exc.message)
                return False
            log.warning("outbox %s %s refused: %s", row.id, row.method, exc.message)
            await self._finish(row.id, status="failed", error=exc.message)
            return True
        except Exception as exc:  # a 5xx, the network, an answer we cannot read, a bug: all count
            return await self._failed(row, exc)
        await self._record_sent(row.id, message_id)
        self.sent += 1
        return True

    async def _record_sent(self, row_id: int, message_id: int | None) -> None:
        """Record a message as sent (keeping no text or file); return once
        that is committed. Messages that finish while such a commit runs are
        recorded together by the next one, in one statement: under load one
        commit records many messages, alone a message is recorded at once."""
        self._receipts[row_id] = {"row_id": row_id, "at": self.clock(), "telegram_id": message_id}
        while row_id in self._receipts:
            if self._recording is None or self._recording.done():
                self._recording = asyncio.create_task(self._write_receipts())
            await asyncio.shield(self._recording)  # perhaps without ours: then the next one

    async def _write_receipts(self) -> None:
        receipts, self._receipts = self._receipts, {}
        try:
            async with self.sessionmaker() as session, session.begin():
                await session.execute(
                    update(OutboxMessage.__table__).where(OutboxMessage.id == bindparam("row_id"))
                    .values(status="sent", claim=None, claimed_until=None, payload=null(), blob=None,
                            sent_at=bindparam("at"), telegram_message_id=bindparam("telegram_id")),
                    list(receipts.values()))
        except BaseException:
            self._receipts.update(receipts)  # not recorded: the next commit tries again
            raise

    async def _failed(self, row: OutboxMessage, exc: Exception) -> bool:
        """Count the failure and wait before the next try (the chat's later
        messages wait too), or give the message up at the limit. Logged on
        the first failure and on giving up, never with the message's text."""
        attempts = row.attempts + 1
        expected = isinstance(exc, (TelegramError, OSError))
        error = str(exc) if expected else f"{type(exc).__name__}: {exc}"
        if attempts >= self.max_attempts:
            log.error("outbox %s %s gave up after %d attempts: %s", row.id, row.method, attempts, error)
            await self._finish(row.id, status="failed", error=error, attempts=attempts)
            return True
        if attempts == 1:
            # An unexpected error is a bug (ours or a library's): its traceback helps.
            log.warning("outbox %s %s failed, will try again: %s", row.id, row.method, error, exc_info=not expected)
        else:
            log.debug("outbox %s %s failed again (%d): %s", row.id, row.method, attempts, error)
        delay = self.retry_delay(attempts)
        await self._finish(row.id, not_before=self.clock() + timedelta(seconds=delay), error=error, attempts=attempts)
        return False

    async def _call(self, row: OutboxMessage, p: dict, blob: bytes | None) -> int | None:
        """Send one row; the id Telegram gave the message (None for an edit it confirms without one)."""
        if row.method in TEXT_METHODS:
            return await self._post_text(row, p)
        markup = InlineKeyboardMarkup.de_json(p["reply_markup"], self.bot) if p.get("reply_markup") else None
        # The plan and people's answers: nobody can forward or save them (None leaves Telegram's default).
        protect = True if p.get("protect_content") else None
        if row.method == "sendPhoto":
            sent = await self.bot.send_photo(row.chat_id, InputFile(blob, filename=p.get("filename", "picture.png")),
                                             caption=p.get("caption"), parse_mode=p.get("parse_mode"), reply_markup=markup,
                                             protect_content=protect)
        elif row.method == "sendVoice":
            sent = await self.bot.send_voice(row.chat_id, p["voice"], caption=p.get("caption"),
                                             parse_mode=p.get("parse_mode"), reply_markup=markup, protect_content=protect)
        elif row.method == "sendDocument":
            sent = await self.bot.send_document(row.chat_id, InputFile(blob, filename=p.get("filename", "file")),
                                                caption=p.get("caption"), parse_mode=p.get("parse_mode"), reply_markup=markup,
                                                protect_content=protect)
        else:
            raise ValueError(f"unknown outbox method {row.method}")
        return sent.message_id

    async def _post_text(self, row: OutboxMessage, p: dict) -> int | None:
        """A text message or an edit, posted as the JSON it is stored as; of
        the answer only the message's id is read. (Building
        python-telegram-bot's Message from every answer, which nothing here
        reads, took a tenth of the bot's time in bench_updates.) The library's
        own call still raises its errors: RetryAfter, Forbidden, BadRequest."""
        data = {"chat_id": row.chat_id, "parse_mode": p.get("parse_mode"), "reply_markup": p.get("reply_markup")}
        if row.method != "editMessageReplyMarkup":
            data.update(text=p["text"], link_preview_options={"is_disabled": True})
        if row.method == "sendMessage":
            # The plan and people's answers: nobody can forward or save them.
            data["protect_content"] = True if p.get("protect_content") else None
        else:
            data["message_id"] = p["message_id"]
        answer = await self.bot._post(row.method, data)
        if answer is True and row.method != "sendMessage":
            return None  # an edit Telegram confirms without the message
        return _message_id(answer, row.chat_id)

    async def _finish(self, row_id: int, *, status: str = "pending", not_before=None, error=None,
                      attempts=None, message_id=None) -> None:
        values = {"status": status, "claim": None, "claimed_until": None}
        if status != "pending":
            # Sent or given up: either way we keep no copy of the text or the file.
            values.update(payload=null(), blob=None)
        if status == "sent":
            values.update(sent_at=self.clock(), telegram_message_id=message_id)
        if not_before is not None:
            values["not_before"] = not_before
        if error is not None:
            values["last_error"] = error[:200]
        if attempts is not None:
            values["attempts"] = attempts
        async with self.sessionmaker() as session, session.begin():
            await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))

    async def _release(self, rows: list[OutboxMessage]) -> None:
        if not rows:
            return
        async with self.sessionmaker() as session, session.begin():
            for claim in {row.claim for row in rows}:
                await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_([r.id for r in rows if r.claim == claim]), OutboxMessage.claim == claim)
                    .values(claim=None, claimed_until=None)
                )

    async def _blocked(self, chat_id: int) -> None:
        """The person blocked the bot: keep their messages as blocked, try no more."""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending")
                .values(status="blocked", claim=None, claimed_until=None, payload=null(), blob=None)
            )
            await session.execute(update(Person).where(Person.chat_id == chat_id, Person.blocked_at.is_(None))
                                  .values(blocked_at=self.clock()))

    async def _undeliverable(self, chat_id: int, error: str) -> None:
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending")
                .values(status="undeliverable", claim=None, claimed_until=None, payload=null(), blob=None,
                        last_error=error[:200])
            )


# Posted as stored JSON by OutboxSender._post_text; files go through the library's methods.
TEXT_METHODS = frozenset({"sendMessage", "editMessageText", "editMessageReplyMarkup"})


class UnreadableAnswer(ValueError):
    """Telegram answered "ok" with something that is not a message of the chat."""


def _message_id(answer, chat_id: int) -> int:
    """The id of the message Telegram says it placed in this chat. Any other
    answer is one we cannot read: the message counts as not sent, and is
    tried again like after any failure."""
    if isinstance(answer, dict) and isinstance(answer.get("message_id"), int) \
            and isinstance(answer.get("chat"), dict) and answer["chat"].get("id") == chat_id \
            and isinstance(answer.get("date"), int):
        return answer["message_id"]
    raise UnreadableAnswer(f"not a message of chat {chat_id}")
