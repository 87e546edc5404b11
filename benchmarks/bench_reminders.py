"""P4: reminder pick-up lag and start-up time, meetbot as its own `meetbot
run` process with default settings (MEETBOT_SCHEDULER_INTERVAL unset).

- lag: `--jobs` jobs wait in the database, due at random moments over the
  next `--seconds`; each job's lag is when the scheduler took it (its
  done_at) minus when it was due. Also counted: the bot's SQL statements
  per second meanwhile (it sleeps until the next job, it does not poll).
- start-up: with `--coordinators` coordinators in the database and every
  Bot API call taking 50 ms, the time from starting the process until it
  first asks Telegram for updates (the command menus are set afterwards, in
  the background), beside the same with none."""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from benchmarks.bench_updates import seed_coordinators  # noqa: E402
from benchmarks.fresh import fresh_database  # noqa: E402
from benchmarks.processes import load_average, meetbot, percentile, spread  # noqa: E402
from bot.db.engine import make_engine, make_sessionmaker  # noqa: E402
from bot.db.models import Job  # noqa: E402
from bot.emulator import BotApiEmulator  # noqa: E402
from bot.planner import TASK_REMIND  # noqa: E402

LEAD = 15.0  # seconds before the first job may come due: the process starts meanwhile


async def lag(jobs: int, seconds: float, database_url: str | None) -> None:
    rng = random.Random(3)
    with tempfile.TemporaryDirectory() as folder:
        url = await fresh_database(database_url, folder)
        engine = make_engine(url)
        sessionmaker = make_sessionmaker(engine)
        now = datetime.now(timezone.utc)
        async with sessionmaker() as session, session.begin():
            # A reminder of a task that no longer exists: taken, and nothing sent.
            session.add_all(Job(kind=TASK_REMIND, due_at=now + timedelta(seconds=LEAD + rng.uniform(0, seconds)))
                            for _ in range(jobs))
        async with BotApiEmulator() as emulator:
            bot = meetbot(emulator, url, f"{folder}/counts.json", MEETBOT_QUIET_HOURS="")
            await bot.start(emulator)
            polling = datetime.now(timezone.utc)
            try:
                first = await bot.counts()
                await asyncio.sleep(LEAD + seconds + 3 - (datetime.now(timezone.utc) - now).total_seconds())
                last = await bot.counts()
                window = LEAD + seconds + 3 - bot.startup
            finally:
                await bot.stop()
        async with sessionmaker() as session:
            rows = (await session.execute(select(Job.due_at, Job.done_at).where(Job.kind == TASK_REMIND))).all()
        await engine.dispose()
    # Jobs that came due while the process was still starting are not pick-up lag: left out, and counted.
    early = sum(1 for due, _done in rows if due < polling)
    lags = [(done - due).total_seconds() for due, done in rows if done is not None and due >= polling]
    missed = sum(1 for _due, done in rows if done is None)
    backend = "PostgreSQL" if database_url else "SQLite"
    print(f"{jobs} jobs due over {seconds:.0f} s, default settings, {backend}, {load_average()}")
    print(f"  pick-up lag: median {percentile(lags, 50):.2f} s, p99 {percentile(lags, 99):.2f} s, "
          f"max {max(lags):.2f} s over {len(lags)} jobs; {missed} not taken; "
          f"{early} came due before the process polled (start-up {bot.startup:.1f} s) and are left out")
    print(f"  SQL statements meanwhile: {(last['statements'] - first['statements']) / window:.1f}/s "
          f"(all of the bot's work, these jobs included)")


async def startup(coordinators: int, rounds: int, database_url: str | None) -> None:
    results: dict[int, list[float]] = {0: [], coordinators: []}
    for _ in range(rounds):  # interleaved: none, many, none, many, ...
        for count in (0, coordinators):
            with tempfile.TemporaryDirectory() as folder:
                url = await fresh_database(database_url, folder)
                await seed_coordinators(url, count, 60_000)
                async with BotApiEmulator() as emulator:
                    emulator.faults.delay = 0.05  # every Bot API call takes 50 ms
                    bot = meetbot(emulator, url, f"{folder}/counts.json")
                    await bot.start(emulator)
                    results[count].append(bot.startup)
                    await bot.stop()
    backend = "PostgreSQL" if database_url else "SQLite"
    print(f"start-up until the first poll, 50 ms per Bot API call, {backend}, {rounds} interleaved rounds, "
          f"{load_average()}: {spread(results[coordinators])} s with {coordinators} coordinators, "
          f"{spread(results[0])} s with none")


async def main(args) -> None:
    if args.jobs:
        await lag(args.jobs, args.seconds, args.database_url)
    await startup(args.coordinators, args.startups, args.database_url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=200, help="0: measure only the start-up")
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--coordinators", type=int, default=1000)
    parser.add_argument("--startups", type=int, default=3, help="start-ups measured, interleaved")
    parser.add_argument("--database-url", help="default: a temporary SQLite file; a PostgreSQL database given here is wiped")
    main_args = parser.parse_args()
    asyncio.run(main(main_args))
