"""Sharing one database between processes: one dispatcher at a time, the rate split between the live ones."""

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from bot.db.engine import make_engine
from bot.delivery.limits import RateLimits
from bot.ops.sharing import ALIVE_FOR, CHECK_EVERY, DispatchLock, Heartbeat


async def test_one_process_at_a_time_holds_the_inbox_and_a_closed_connection_hands_it_on(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("on SQLite every dispatcher dispatches")
    first_db, second_db = make_engine(database_url), make_engine(database_url)
    first, second = DispatchLock(first_db), DispatchLock(second_db)
    try:
        assert await first.hold() and await first.hold()
        assert not await second.hold()
        await first._conn.invalidate()  # as when a process dies: its connection goes, and the lock with it
        assert await second.hold()
        await asyncio.sleep(CHECK_EVERY)  # its connection is asked once a second
        assert not await first.hold()  # it notices, and stands by
        await second.release()
        assert await first.hold()
    finally:
        await first.release()
        await second.release()
        await second_db.dispose()
        await first_db.dispose()


async def test_the_senders_share_the_global_rate_between_the_live_processes(sessionmaker):
    now = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
    limits = [RateLimits(30.0), RateLimits(30.0), RateLimits(30.0)]
    beats = [Heartbeat(sessionmaker, "worker", lim, clock=lambda: now) for lim in limits]
    assert await beats[0].beat() == 1 and limits[0].global_interval == pytest.approx(1 / 30)
    await beats[1].beat()
    assert await beats[2].beat() == 3 and limits[2].global_interval == pytest.approx(1 / 10)
    assert await beats[0].beat() == 3 and limits[0].global_interval == pytest.approx(1 / 10)
    # One stops beating (killed): after ALIVE_FOR the others take its share.
    later = now + ALIVE_FOR + timedelta(seconds=1)
    for beat in beats[:2]:
        beat.clock = lambda: later
    await beats[0].beat()
    assert await beats[1].beat() == 2 and limits[1].global_interval == pytest.approx(1 / 15)
