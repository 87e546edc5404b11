"""P5: two `meetbot run` processes on one PostgreSQL database and `--jobs`
task reminders (10,000) that all come due at the same moment: each must
reach its owner exactly once.

The database holds `--jobs` open tasks, each with one owner (ten tasks per
person, ten people per case) and one reminder job, due `--lead` seconds
after seeding so that every process is up and polling before then (it
sleeps until the next due job). Each process talks to its own Bot API
emulator, so what each emulator received is what that process sent; the
people exist in every emulator. Both processes share the outbox: a reminder
may be planned by one process's scheduler and sent by the other's sender.

Measured: reminders per person and task as received (duplicates: a task
reminded more than once; missed: never within `--timeout`), the time from
the moment they came due until the last one was received (and until the
schedulers had taken the last job) and the resulting rate, how many each
process sent, and each process's SQL statements and commits meanwhile
(benchmarks/counted.py). The emulators do not rate-limit and the bot's own
send pace is raised (MEETBOT_SEND_RATE_GLOBAL and _PER_CHAT 10000), as in
bench_updates: this measures the bot's own rate, not Telegram's 30/s."""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from collections import Counter
from contextlib import AsyncExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from benchmarks.fresh import fresh_database  # noqa: E402
from benchmarks.processes import KEY, load_average, meetbot  # noqa: E402
from bot.db.engine import make_engine, make_sessionmaker  # noqa: E402
from bot.db.models import Case, Job, Meeting, OutboxMessage, Participant, Person, Task, TaskOwner  # noqa: E402
from bot.emulator import BotApiEmulator  # noqa: E402
from bot.planner import TASK_REMIND  # noqa: E402
from bot.storage.sealing import Sealer  # noqa: E402

TASKS_PER_PERSON, PEOPLE_PER_CASE = 10, 10
FIRST_USER = 50_000
REMINDER = re.compile(r"A friendly reminder: (task \d+) –")


async def seed(url: str, jobs: int, due_at: datetime) -> int:
    """`jobs` open tasks, one owner and one due reminder each; returns the number of people."""
    people = -(-jobs // TASKS_PER_PERSON)
    sealer = Sealer([KEY])  # task texts sealed, as the bot stores them
    now = datetime.now(timezone.utc)
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session, session.begin():
        coordinator = Person(telegram_user_id=FIRST_USER - 1, chat_id=FIRST_USER - 1, name="Cia", language="en",
                             is_coordinator=True, created_at=now)
        owners = [Person(telegram_user_id=FIRST_USER + i, chat_id=FIRST_USER + i, name=f"P{i}", language="en",
                         created_at=now) for i in range(people)]
        session.add_all([coordinator, *owners])
        await session.flush()
        cases = [Case(pseudonym=f"Family {c}", coordinator_id=coordinator.id, model_id="systemic",
                      timezone="Europe/Stockholm", created_at=now) for c in range(-(-people // PEOPLE_PER_CASE))]
        session.add_all(cases)
        await session.flush()
        meetings = [Meeting(case_id=case.id, meeting_type="meeting", starts_at=now - timedelta(days=1), status="ended",
                            created_at=now) for case in cases]
        session.add_all(meetings)
        session.add_all(Participant(case_id=cases[i // PEOPLE_PER_CASE].id, person_id=owner.id, role="network",
                                    joined_at=now) for i, owner in enumerate(owners))
        await session.flush()
        tasks = [Task(case_id=meetings[n // TASKS_PER_PERSON // PEOPLE_PER_CASE].case_id,
                      meeting_id=meetings[n // TASKS_PER_PERSON // PEOPLE_PER_CASE].id, ref=f"bench{n}",
                      what=sealer.seal(f"task {n}"), status="open", due_at=now + timedelta(days=2), created_at=now)
                 for n in range(jobs)]
        session.add_all(tasks)
        await session.flush()
        session.add_all(TaskOwner(task_id=task.id, person_id=owners[n // TASKS_PER_PERSON].id) for n, task in enumerate(tasks))
        session.add_all(Job(kind=TASK_REMIND, task_id=task.id, due_at=due_at) for task in tasks)
    await engine.dispose()
    return people


def received(emulator) -> list[tuple[int, str]]:
    """(chat, task) of every reminder this emulator accepted."""
    found = []
    for call in emulator.calls_of("sendMessage"):
        match = REMINDER.search(str(call.params.get("text", "")))
        if match and call.status == 200:
            found.append((int(call.params["chat_id"]), match.group(1)))
    return found


async def run(jobs: int, processes: int, lead: float, timeout: float, database_url: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = await fresh_database(database_url, folder)
        seeding = time.perf_counter()
        due_at = datetime.now(timezone.utc) + timedelta(seconds=lead)
        due_monotonic = time.monotonic() + lead  # the emulators' clock (ApiCall.time)
        people = await seed(url, jobs, due_at)
        seeded = time.perf_counter() - seeding
        expected = {(FIRST_USER + n // TASKS_PER_PERSON, f"task {n}") for n in range(jobs)}
        async with AsyncExitStack() as stack:
            emulators = [await stack.enter_async_context(BotApiEmulator()) for _ in range(processes)]
            for emulator in emulators:
                for i in range(people):  # as though each had written to the bot before
                    emulator.user(FIRST_USER + i, f"P{i}").started = True
            bots = [meetbot(emulator, url, f"{folder}/counts{n}.json", MEETBOT_QUIET_HOURS="",
                            MEETBOT_SEND_RATE_GLOBAL="10000", MEETBOT_SEND_RATE_PER_CHAT="10000")
                    for n, emulator in enumerate(emulators)]
            try:
                for bot, emulator in zip(bots, emulators):
                    await bot.start(emulator)
                before = [await bot.counts() for bot in bots]
                late_start = (datetime.now(timezone.utc) - due_at).total_seconds()
                last_new = None
                deadline = due_at + timedelta(seconds=timeout)
                while datetime.now(timezone.utc) < deadline:
                    got = {pair for emulator in emulators for pair in received(emulator)}
                    if len(got & expected) == len(expected):
                        last_new = max(c.time for e in emulators for c in e.calls_of("sendMessage"))
                        break
                    await asyncio.sleep(0.2)
                await asyncio.sleep(3.0)  # time for a duplicate to show up, if there were one
                after = [await bot.counts() for bot in bots]
            finally:
                for bot in bots:
                    await bot.stop()
            per_process = [received(emulator) for emulator in emulators]
        engine = make_engine(url)
        async with make_sessionmaker(engine)() as session:
            last_taken = await session.scalar(select(func.max(Job.done_at)).where(Job.kind == TASK_REMIND))
            not_taken = await session.scalar(select(func.count()).select_from(Job).where(
                Job.kind == TASK_REMIND, Job.done_at.is_(None)))
            outbox = dict((await session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all())
        await engine.dispose()

    counted = Counter(pair for sent in per_process for pair in sent)
    duplicates = sum(n - 1 for pair, n in counted.items() if pair in expected and n > 1)
    missed = len(expected - counted.keys())
    strays = sum(n for pair, n in counted.items() if pair not in expected)
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{jobs} reminders ({people} people, {TASKS_PER_PERSON} tasks each) due at one moment, {processes} "
          f"`meetbot run` processes on one {backend} database, no rate limits, {load_average()}")
    print(f"  seeded in {seeded:.1f} s; processes started in " + ", ".join(f"{b.startup:.1f} s" for b in bots)
          + (f"; the last was polling {-late_start:.1f} s before the jobs came due" if late_start < 0 else
             f"; WARNING: the last started {late_start:.1f} s after the jobs came due (raise --lead)"))
    print(f"  received {sum(counted.values())} reminders: {len(counted.keys() & expected)} of {jobs} tasks, "
          f"**{duplicates} duplicates, {missed} missed** (within {timeout:.0f} s), {strays} unexpected")
    if last_new is not None:
        delivered = last_new - due_monotonic
        print(f"  all delivered {delivered:.1f} s after they came due: {jobs / delivered:.0f} reminders/s")
    taken = (last_taken - due_at).total_seconds() if last_taken else float("nan")
    print(f"  the schedulers took the last job {taken:.1f} s after they came due ({jobs / taken:.0f} jobs/s); "
          f"{not_taken} not taken; outbox {outbox}")
    for n, (sent, b, a) in enumerate(zip(per_process, before, after), 1):
        statements, commits = a["statements"] - b["statements"], a["commits"] - b["commits"]
        print(f"  process {n}: sent {len(sent)}; {statements} SQL statements, {commits} commits "
              f"({statements / jobs:.1f} and {commits / jobs:.2f} per reminder of all {jobs})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=2, help="1: the same alone, to compare")
    parser.add_argument("--lead", type=float, default=30.0,
                        help="seconds from seeding until the jobs come due (the processes start meanwhile)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds after they came due: later is missed")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test_p5",
                        help="a PostgreSQL database, wiped (or a new sqlite+aiosqlite:/// file)")
    args = parser.parse_args()
    asyncio.run(run(args.jobs, args.processes, args.lead, args.timeout, args.database_url))
