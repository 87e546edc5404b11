"""The outbox draining N queued messages under the emulator's rate limits
(30 a second in all, about one a second per chat), against the ideal."""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402
from telegram import Bot  # noqa: E402

from benchmarks.fresh import fresh_database  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db.engine import make_engine, make_sessionmaker  # noqa: E402
from bot.db.models import OutboxMessage  # noqa: E402
from bot.delivery.limits import RateLimits  # noqa: E402
from bot.delivery.sender import OutboxSender  # noqa: E402
from bot.emulator import BotApiEmulator  # noqa: E402


async def main(messages: int, chats: int, database_url: str | None, refuse_one: bool = False) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = await fresh_database(database_url, folder)
        engine = make_engine(url)
        sessionmaker = make_sessionmaker(engine)
        async with BotApiEmulator(rate_limits=True) as emulator:
            users = [emulator.user(10_000 + i, f"Person {i}") for i in range(chats)]
            for user in users:
                await user.send_text("hi")
            now = datetime.now(timezone.utc)
            async with sessionmaker() as session, session.begin():
                session.add_all(
                    OutboxMessage(chat_id=users[i % chats].chat_id, method="sendMessage", priority=2,
                                  payload={"text": f"Reminder {i}: the meeting is on <b>Thursday</b>.", "parse_mode": "HTML"},
                                  created_at=now, not_before=now)
                    for i in range(messages)
                )
            tracemalloc.start()
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started = time.perf_counter()
            started_clock = time.monotonic()  # the emulator stamps each call with time.monotonic()
            async with Bot(emulator.token, base_url=emulator.base_url) as bot:
                sender = OutboxSender(sessionmaker, bot, RateLimits(Settings().send_rate_global, Settings().send_rate_per_chat))
                stopping = asyncio.Event()
                task = asyncio.create_task(sender.run(stopping))
                refused_once = False
                while True:
                    if refuse_one and not refused_once and len(emulator.calls) >= chats + messages // 3:
                        # One 429 (retry after 1 s) a third of the way: it should cost about that second, no more.
                        emulator.faults.next_429.append(1)
                        refused_once = True
                    async with sessionmaker() as session:
                        left = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                                    .where(OutboxMessage.status == "pending"))
                    if left == 0:
                        break
                    await asyncio.sleep(0.2)
                elapsed = time.perf_counter() - started
                stopping.set()
                await task
            _current, peak = tracemalloc.get_traced_memory()
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            delivered = sum(len(u.bot_messages) for u in users)
            refused = sum(1 for c in emulator.calls if c.status == 429)
            sends = [c.time for c in emulator.calls if c.method == "sendMessage" and c.status == 200]
        await engine.dispose()
    ideal = messages / 30
    print(f"outbox: {delivered} of {messages} messages to {chats} chats in {elapsed:.1f} s "
          f"({delivered / elapsed:.1f}/s; ideal {ideal:.1f} s at 30/s, {ideal / elapsed:.0%} of ideal); "
          f"429s: {refused}; Python heap peak {peak / 1e6:.1f} MB; max RSS {rss_after / 1024:.0f} MB "
          f"(+{(rss_after - rss_before) / 1024:.0f} MB while draining)")
    # Where the time went: the sender starting, the steady pace, the last look at the outbox.
    print(f"  first send {sends[0] - started_clock:.2f} s after the start; between the first and the last send "
          f"{(len(sends) - 1) / (sends[-1] - sends[0]):.1f}/s; the drain seen finished "
          f"{elapsed - (sends[-1] - started_clock):.2f} s after the last send")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--refuse-one", action="store_true", help="answer one send a third of the way with a 429 (retry after 1 s)")
    parser.add_argument("--database-url", help="default: a temporary SQLite file; a PostgreSQL database given here is wiped")
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.chats, args.database_url, args.refuse_one))
