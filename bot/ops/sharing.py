"""Several processes on one PostgreSQL database.

Updates: one dispatcher at a time handles the inbox, in update_id order.
Whichever process holds a PostgreSQL session-level advisory lock on a
connection of its own is the dispatcher; the others stand by and try to take
the lock every second. A process that dies loses its connection and with it
the lock at once, so another takes over without waiting for a lease to run
out. (Should the lock's connection break while the process lives, another
process may dispatch beside it until it notices, within CHECK_EVERY; the
mark "handled" locks each update's row and refuses one already handled, so
it still has its effects once.) On
SQLite, which one process uses, every dispatcher dispatches.

Messages: the outbox sender's claims (bot/delivery/sender.py). Reminders:
the scheduler's claims (bot/scheduler.py).

Telegram's global limit: each process writes a heartbeat to
service_processes every few seconds and sends at MEETBOT_SEND_RATE_GLOBAL
divided by the number of processes seen alive in the last 20 seconds; the
sum stays under the limit once every process has seen the newest one (a
few seconds after it starts)."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker

from bot.delivery.limits import RateLimits
from bot.inbox import Dispatcher
from bot.ops.models import ServiceProcess

log = logging.getLogger(__name__)

DISPATCH_LOCK = 0x696E626F78  # "inbox": PostgreSQL advisory lock of the one dispatcher
# How often the lock's connection is asked whether it is still there; were
# it lost, a second process may dispatch beside this one that long, and the
# engine's mark "handled" still lets each update take effect once.
CHECK_EVERY = 1.0  # seconds
HEARTBEAT_EVERY = 5.0  # seconds
ALIVE_FOR = timedelta(seconds=20)  # a process not seen for this long counts as gone
FORGET_AFTER = timedelta(days=1)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class DispatchLock:
    """The right to dispatch, held on a connection of its own (PostgreSQL)."""

    def __init__(self, db: AsyncEngine):
        self.db = db
        self.shared = db.dialect.name == "postgresql"
        self._conn: AsyncConnection | None = None
        self._checked_at = float("-inf")  # when the lock's connection last answered (monotonic)

    async def hold(self) -> bool:
        if not self.shared:
            return True
        if self._conn is not None:
            now = asyncio.get_running_loop().time()
            if now - self._checked_at < CHECK_EVERY:
                return True
            try:
                await self._conn.execute(text("SELECT 1"))  # still connected, so still holding it
                self._checked_at = now
                return True
            except Exception:
                log.warning("lost the inbox lock's connection; another process may take over")
                await self._drop()
        conn = await self.db.connect()
        try:
            held = await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": DISPATCH_LOCK})
            await conn.commit()  # the lock is the session's, not the transaction's
        except Exception:
            await conn.close()
            raise
        if not held:
            await conn.close()
            return False
        self._conn = conn
        log.info("this process now handles the inbox")
        return True

    async def release(self) -> None:
        if self._conn is not None:
            await self._drop()

    async def _drop(self) -> None:
        """Close the lock's connection for real (not back into the pool, where
        the lock would live on): that releases the lock."""
        conn, self._conn = self._conn, None
        try:
            await conn.invalidate()
            await conn.close()
        except Exception:
            pass


class SharedDispatcher(Dispatcher):
    """The inbox's dispatcher, dispatching only while it holds the lock."""

    def __init__(self, *args, lock: DispatchLock, metrics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lock = lock
        self.metrics = metrics  # bot.ops.metrics.Metrics

    async def _dispatch(self, update_id, payload) -> None:
        if self.metrics is None:
            return await super()._dispatch(update_id, payload)
        with self.metrics.timed():
            await super()._dispatch(update_id, payload)

    async def store_and_handle(self, updates, write) -> bool:
        started = time.perf_counter()
        done = await super().store_and_handle(updates, write)
        if done and self.metrics is not None:
            self.metrics.handled_together(len(updates), time.perf_counter() - started)
        return done

    async def may_handle_now(self) -> bool:
        if not await super().may_handle_now():
            return False
        try:
            return await self.lock.hold()
        except Exception:  # the database went away for a moment: the usual way
            return False

    async def dispatch_pending(self, limit: int = 100) -> int:
        if not self.has_work():
            return 0
        try:
            held = await self.lock.hold()
        except Exception:  # the database went away for a moment: the run loop looks again soon
            log.exception("could not take the inbox lock")
            held = False
        if not held:
            # The process that holds the lock reads them from the inbox; when
            # this one takes over, it reads the inbox first.
            self._handed.clear()
            self.look_again()
            return 0
        return await super().dispatch_pending(limit)

    async def run(self, stopping: asyncio.Event) -> None:
        try:
            await super().run(stopping)
        finally:
            await self.lock.release()


class Heartbeat:
    """This process in service_processes, and the senders' share of the global rate."""

    def __init__(self, sessionmaker: async_sessionmaker, role: str, limits: RateLimits, *, clock=_utcnow):
        self.sessionmaker = sessionmaker
        self.role = role
        self.limits = limits
        self.rate = limits.global_rate  # the whole deployment's
        self.clock = clock
        self.id = secrets.token_hex(8)
        self.alive = 1

    async def beat(self) -> int:
        """Say this process is alive; take its share of the rate; answer how many are."""
        now = self.clock()
        async with self.sessionmaker() as session, session.begin():
            row = await session.get(ServiceProcess, self.id)
            if row is None:
                session.add(ServiceProcess(id=self.id, role=self.role, host=socket.gethostname()[:100], pid=os.getpid(),
                                           started_at=now, seen_at=now))
            else:
                row.seen_at = now
            await session.execute(delete(ServiceProcess).where(ServiceProcess.seen_at < now - FORGET_AFTER))
            await session.flush()
            alive = await session.scalar(select(func.count()).select_from(ServiceProcess)
                                         .where(ServiceProcess.seen_at >= now - ALIVE_FOR))
        self.alive = max(1, alive or 1)
        self.limits.global_interval = self.alive / self.rate
        return self.alive

    async def run(self, stopping: asyncio.Event) -> None:
        try:
            while not stopping.is_set():
                try:
                    await self.beat()
                except Exception:  # keeps the share it had; the next beat tries again
                    log.warning("heartbeat failed", exc_info=True)
                try:
                    await asyncio.wait_for(stopping.wait(), timeout=HEARTBEAT_EVERY)
                except TimeoutError:
                    pass
        finally:
            try:
                async with self.sessionmaker() as session, session.begin():
                    await session.execute(delete(ServiceProcess).where(ServiceProcess.id == self.id))
            except Exception:
                pass  # forgotten after ALIVE_FOR anyway
