"""Updates handled per second, end to end: meetbot as its own `meetbot run`
process (every update stored, handled in a transaction, its replies written
to the outbox and sent) beside a bare python-telegram-bot echo bot as its own
process, on the same emulator, with the same people acting the same way,
interleaved (echo, meetbot, echo, meetbot, ...) `--rounds` times. Reported:
medians with min–max, their ratio, and meetbot's SQL statements and commits
per handled update (counted in the bot process, not timed), which include
the outbox sender's and the scheduler's work.

Each simulated person acts, waits for the answer, and acts again, like a
person on a phone. Meetbot's people are coordinators creating a case
(`/new`, typing a name, pressing the model, typing date and time, pressing
"no place yet" and "create"), then asking for /meetings and /help: nine
updates each, a mix of texts, commands and button presses."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.fresh import fresh_database  # noqa: E402
from benchmarks.processes import echo_bot, load_average, meetbot, spread  # noqa: E402
from bot.db.engine import make_engine, make_sessionmaker  # noqa: E402
from bot.db.models import Person  # noqa: E402
from bot.emulator import BotApiEmulator  # noqa: E402

STEPS = 9
TIMEOUT = 60.0


async def _act(user, action):
    before = len(user.messages)
    await action
    return await user.wait_for(after=before, timeout=TIMEOUT)


async def coordinator_session(user) -> None:
    await _act(user, user.send_command("new"))
    await _act(user, user.send_text(f"Family {user.chat_id}"))
    await _act(user, user.press("Systemic meeting"))
    await _act(user, user.send_text("2099-12-03"))
    await _act(user, user.send_text("14:30"))
    await _act(user, user.press("No place yet"))
    await _act(user, user.press("Create the case"))
    await _act(user, user.send_command("meetings"))
    await _act(user, user.send_command("help"))


async def echo_session(user) -> None:
    for i in range(STEPS):
        await _act(user, user.send_text(f"answer {i}"))


async def measure(users, session) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(session(u) for u in users))
    return time.perf_counter() - started


async def seed_coordinators(url: str, count: int, first_id: int) -> None:
    engine = make_engine(url)
    now = datetime.now(timezone.utc)
    async with make_sessionmaker(engine)() as session, session.begin():
        session.add_all(Person(telegram_user_id=first_id + i, chat_id=first_id + i, name=f"C{i}", language="en",
                               is_coordinator=True, created_at=now) for i in range(count))
    await engine.dispose()


async def run_meetbot(count: int, database_url: str | None) -> tuple[float, float, float]:
    """Updates per second, statements and commits per update."""
    with tempfile.TemporaryDirectory() as folder:
        url = await fresh_database(database_url, folder)
        await seed_coordinators(url, count, 20_000)
        async with BotApiEmulator() as emulator:
            # The emulator does not limit here: measure our handling, not Telegram's limits.
            bot = meetbot(emulator, url, f"{folder}/counts.json",
                          MEETBOT_SEND_RATE_GLOBAL="10000", MEETBOT_SEND_RATE_PER_CHAT="10000")
            await bot.start(emulator)
            try:
                users = [emulator.user(20_000 + i, f"C{i}", language_code="en") for i in range(count)]
                await asyncio.sleep(1.0)  # menus set, first looks done: count only the load
                before = await bot.counts()
                elapsed = await measure(users, coordinator_session)
                after = await bot.counts()
            finally:
                await bot.stop()
    updates = count * STEPS
    return (updates / elapsed, (after["statements"] - before["statements"]) / updates,
            (after["commits"] - before["commits"]) / updates)


async def run_echo(count: int) -> float:
    async with BotApiEmulator() as emulator:
        bot = await echo_bot(emulator).start(emulator)
        try:
            users = [emulator.user(30_000 + i, f"E{i}") for i in range(count)]
            elapsed = await measure(users, echo_session)
        finally:
            await bot.stop()
    return count * STEPS / elapsed


async def main(count: int, rounds: int, database_url: str | None) -> None:
    echo, bot, statements, commits = [], [], [], []
    for _ in range(rounds):
        echo.append(await run_echo(count))
        rate, per_update, commits_per_update = await run_meetbot(count, database_url)
        bot.append(rate)
        statements.append(per_update)
        commits.append(commits_per_update)
    ratios = [b / e for b, e in zip(bot, echo)]
    backend = "PostgreSQL" if database_url else "SQLite"
    print(f"{count} people, {STEPS} updates each, {backend}, {rounds} interleaved rounds, {load_average()}")
    print(f"  meetbot   {spread(bot, 1)} updates/s")
    print(f"  echo bot  {spread(echo, 1)} updates/s")
    print(f"  ratio     {spread(ratios)} (median of the rounds' ratios: {statistics.median(ratios):.2f})")
    print(f"  per update: {spread(statements, 1)} SQL statements, {spread(commits, 1)} commits")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", help="default: a temporary SQLite file; a PostgreSQL database given here is wiped")
    args = parser.parse_args()
    asyncio.run(main(args.users, args.rounds, args.database_url))
