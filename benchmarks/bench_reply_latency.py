"""P3: a person's reply latency while a broadcast drains. 5,000 bulk
messages (priority 2) wait in the outbox for 200 people; meanwhile 50 other
people each send /help every 5–15 s and wait for the answer. meetbot runs as
its own `meetbot run` process with default sending limits; the emulator
enforces Telegram's limits (about 30 a second, one a second per chat).
Reported: the replies' latency (median, p95, max) and how much of the bulk
went out during the window (it must keep going: replies pass it, they do not
stop it)."""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.fresh import fresh_database  # noqa: E402
from benchmarks.processes import load_average, meetbot, percentile  # noqa: E402
from bot.db.engine import make_engine, make_sessionmaker  # noqa: E402
from bot.db.models import OutboxMessage  # noqa: E402
from bot.emulator import BotApiEmulator  # noqa: E402


async def queue_bulk(url: str, messages: int, chats: list[int]) -> None:
    engine = make_engine(url)
    now = datetime.now(timezone.utc)
    async with make_sessionmaker(engine)() as session, session.begin():
        session.add_all(OutboxMessage(chat_id=chats[i % len(chats)], method="sendMessage", priority=2,
                                      payload={"text": f"Invitation {i}"}, created_at=now, not_before=now)
                        for i in range(messages))
    await engine.dispose()


async def person(user, until: float, latencies: list[float], rng: random.Random) -> None:
    await asyncio.sleep(rng.uniform(0, 5))
    while time.perf_counter() < until:
        before = len(user.messages)
        started = time.perf_counter()
        await user.send_command("help")
        await user.wait_for(after=before, timeout=120)
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(rng.uniform(5, 15))


async def main(bulk: int, people: int, seconds: float, database_url: str | None) -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        url = await fresh_database(database_url, folder)
        async with BotApiEmulator(rate_limits=True) as emulator:
            readers = [emulator.user(40_000 + i, f"R{i}") for i in range(200)]
            for reader in readers:
                reader.started = True  # they started the bot long ago
            await queue_bulk(url, bulk, [r.chat_id for r in readers])
            bot = meetbot(emulator, url, f"{folder}/counts.json")
            await bot.start(emulator)
            try:
                users = [emulator.user(50_000 + i, f"P{i}", language_code="en") for i in range(people)]
                latencies: list[float] = []
                started = time.perf_counter()
                await asyncio.gather(*(person(u, started + seconds, latencies, rng) for u in users))
                elapsed = time.perf_counter() - started
                delivered = sum(len(r.bot_messages) for r in readers)
                refused = sum(1 for c in emulator.calls if c.status == 429)
            finally:
                await bot.stop()
    backend = "PostgreSQL" if database_url else "SQLite"
    ms = sorted(x * 1000 for x in latencies)
    print(f"{bulk} bulk messages draining, {people} people sending /help every 5-15 s, {backend}, {load_average()}")
    print(f"  reply latency: median {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, "
          f"max {ms[-1]:.0f} ms ({len(ms)} replies)")
    print(f"  bulk sent meanwhile: {delivered} in {elapsed:.0f} s ({delivered / elapsed:.1f}/s), {refused} 429s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bulk", type=int, default=5000)
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--database-url", help="default: a temporary SQLite file; a PostgreSQL database given here is wiped")
    args = parser.parse_args()
    asyncio.run(main(args.bulk, args.people, args.seconds, args.database_url))
