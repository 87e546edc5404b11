"""Growth (issue 12, point 7): does the cost of an update grow with the
database, and does the bot's memory grow with the reminders waiting in it?

meetbot runs as its own `meetbot run` process (benchmarks/processes.py)
against the emulator, with its statements and commits counted in that
process (benchmarks/counted.py) and its CPU time and peak RSS read from
/proc.

- cost per update: the same people do the same things on an empty database
  and on one holding `--cases` old cases (seeded straight into the tables,
  shaped like a year of use: closed cases with their people, meetings,
  preparations, sealed answers, tasks and their owners, invitations,
  feedback, plans, audit entries, done jobs, and a week of outbox and
  inbound traces, which is all retention keeps of those), interleaved
  `--rounds` times. Half the people are coordinators creating a case and
  asking for /meetings and /help (as in bench_updates.py), half are
  children preparing for their meeting (/prep, three faces, two texts,
  "Next", "Done"). Reported: updates/s, the bot's CPU milliseconds, SQL
  statements and commits per update, medians with min–max.
- memory: the grown database plus `--jobs` future reminders (due over the
  next 90 days), the same people acting once; the bot process's peak RSS
  (VmHWM), beside the empty database's, and its statements per second
  while idle (the scheduler must not load, or look through, what is not due)."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, insert, text  # noqa: E402

from benchmarks.bench_updates import coordinator_session, seed_coordinators  # noqa: E402
from benchmarks.fresh import fresh_database  # noqa: E402
from benchmarks.processes import KEY, load_average, meetbot, spread  # noqa: E402
from bot.db.engine import make_engine, make_sessionmaker  # noqa: E402
from bot.db.models import (  # noqa: E402
    Answer,
    AuditEntry,
    Case,
    Conversation,
    Feedback,
    InboundUpdate,
    PollState,
    Invitation,
    Job,
    Meeting,
    OutboxMessage,
    Participant,
    Person,
    PlanVersion,
    Preparation,
    Task,
    TaskOwner,
)
from bot.emulator import BotApiEmulator  # noqa: E402
from bot.planner import MEETING_REMIND, PREP_REMIND, TASK_DUE, TASK_REMIND  # noqa: E402
from bot.storage.sealing import Sealer  # noqa: E402

TIMEOUT = 60.0
COORDINATOR_STEPS = 9
CHILD_STEPS = 9
# Telegram's update ids only grow: today's come after the old cases' (whose ids the database keeps a week).
FIRST_UPDATE_ID = 10_000_000
OLD_PEOPLE_FROM = 1_000_000  # Telegram ids of the old cases' people; the active ones are below
ROLES = ("family", "family", "child", "network", "professional")
QUESTIONS = {"family": ("everyday", "important_people", "events", "to_discuss"),
             "child": ("child_how", "child_home", "child_school", "child_people"),
             "network": ("events", "to_discuss", "what_you_see", "could_help"),
             "professional": ("to_discuss", "professional_picture", "professional_support")}


# ---- the old cases ----------------------------------------------------------


def _history(cases: int, now: datetime) -> dict[type, list[dict]]:
    """Rows for `cases` closed cases, ids given here (the tables are empty):
    50 coordinators share them; five people each; two meetings each (a
    first and a follow-up), everyone prepared and answered; three tasks; a
    plan; audit entries; their jobs done; and the last week's traces."""
    rng = random.Random(12)
    sealer = Sealer([KEY])
    sealed = [sealer.seal(f"What I would like us to talk about, number {i}: mornings, school and the weekends "
                          "with grandma, and what would help.") for i in range(200)]
    rows: dict[type, list[dict]] = {t: [] for t in (Person, Case, Participant, Meeting, Preparation, Answer, Task,
                                                    TaskOwner, Invitation, Feedback, PlanVersion, AuditEntry, Job,
                                                    Conversation, OutboxMessage, InboundUpdate)}
    coordinators = 50
    for c in range(coordinators):
        tid = OLD_PEOPLE_FROM + c
        rows[Person].append(dict(id=c + 1, telegram_user_id=tid, chat_id=tid, name=f"Old coordinator {c}",
                                 language="sv", is_coordinator=True, created_at=now - timedelta(days=400)))
    person_id, meeting_id, prep_id, answer_id, task_id, owner_id = coordinators, 0, 0, 0, 0, 0
    job_id, invitation_id, feedback_id, audit_id, outbox_id, update_id = 0, 0, 0, 0, 0, 0
    for case_id in range(1, cases + 1):
        coordinator = 1 + case_id % coordinators
        created = now - timedelta(days=rng.uniform(60, 360))
        closed = created + timedelta(days=rng.uniform(20, 50))
        rows[Case].append(dict(id=case_id, pseudonym=f"Family {case_id}", coordinator_id=coordinator,
                               model_id="systemic", timezone="Europe/Stockholm", status="closed",
                               created_at=created, closed_at=min(closed, now - timedelta(days=1))))
        members = []
        for role in ROLES:
            person_id += 1
            tid = OLD_PEOPLE_FROM + person_id
            rows[Person].append(dict(id=person_id, telegram_user_id=tid, chat_id=tid, name=f"Person {person_id}",
                                     language=rng.choice(("sv", "fi", "da", "en")), is_coordinator=False,
                                     created_at=created))
            rows[Participant].append(dict(id=person_id, case_id=case_id, person_id=person_id, role=role,
                                          joined_at=created))
            rows[Conversation].append(dict(chat_id=tid, flow=None, step=None, data={}, version=7, updated_at=closed))
            members.append((person_id, role))
        case_meetings = []
        for n in range(2):
            meeting_id += 1
            starts = created + timedelta(days=7 + 21 * n)
            case_meetings.append(meeting_id)
            rows[Meeting].append(dict(id=meeting_id, case_id=case_id, meeting_type="meeting", starts_at=starts,
                                      place="Town hall", status="ended", created_at=created, started_at=starts,
                                      ended_at=starts + timedelta(hours=1), ref=f"m{meeting_id:022d}",
                                      calendar_sequence=1, announced_at=created))
            for pid, role in members:
                prep_id += 1
                rows[Preparation].append(dict(id=prep_id, meeting_id=meeting_id, person_id=pid, status="finished",
                                              position=len(QUESTIONS[role]), part=0, reminders_sent=1,
                                              invited_at=starts - timedelta(days=7),
                                              started_at=starts - timedelta(days=5),
                                              finished_at=starts - timedelta(days=4)))
                for question in QUESTIONS[role]:
                    answer_id += 1
                    rows[Answer].append(dict(id=answer_id, meeting_id=meeting_id, person_id=pid, question_id=question,
                                             kind="text", content=rng.choice(sealed), visibility="meeting",
                                             updated_at=starts - timedelta(days=4)))
                invitation_id += 1
                rows[Invitation].append(dict(id=invitation_id, meeting_id=meeting_id, person_id=pid, response="yes",
                                             responded_at=created + timedelta(days=1)))
                feedback_id += 1
                rows[Feedback].append(dict(id=feedback_id, meeting_id=meeting_id, person_id=pid,
                                           scores={"heard": rng.randint(5, 10), "useful": rng.randint(4, 10)},
                                           comment=rng.choice(sealed), updated_at=starts + timedelta(hours=3),
                                           submitted_at=starts + timedelta(hours=3)))
                job_id += 1
                rows[Job].append(dict(id=job_id, kind=PREP_REMIND, meeting_id=meeting_id, person_id=pid,
                                      due_at=starts - timedelta(days=3), done_at=starts - timedelta(days=3)))
            job_id += 1
            rows[Job].append(dict(id=job_id, kind=MEETING_REMIND, meeting_id=meeting_id,
                                  due_at=starts - timedelta(days=1), done_at=starts - timedelta(days=1)))
        for t in range(3):
            task_id += 1
            due = created + timedelta(days=14 + 7 * t)
            rows[Task].append(dict(id=task_id, case_id=case_id, meeting_id=case_meetings[0], ref=f"t{task_id:022d}",
                                   what=rng.choice(sealed), due_at=due, status="done", created_at=created,
                                   done_at=due - timedelta(days=1)))
            owner_id += 1
            rows[TaskOwner].append(dict(id=owner_id, task_id=task_id, person_id=members[t][0],
                                        accepted_at=created, done_at=due - timedelta(days=1)))
            for kind in (TASK_REMIND, TASK_DUE):
                job_id += 1
                rows[Job].append(dict(id=job_id, kind=kind, task_id=task_id, due_at=due - timedelta(days=1),
                                      done_at=due - timedelta(days=1)))
        rows[PlanVersion].append(dict(id=case_id, case_id=case_id, meeting_id=case_meetings[-1], number=1,
                                      ref=f"p{case_id:022d}", content=rng.choice(sealed), created_at=closed))
        for action in ("created", "invited", "meeting_started", "meeting_ended", "closed"):
            audit_id += 1
            rows[AuditEntry].append(dict(id=audit_id, case_id=case_id, actor_id=coordinator, action=action,
                                         detail={}, at=closed))
        # What retention keeps of the last week: the ids of messages sent and updates handled.
        for _ in range(20):
            outbox_id += 1
            at = now - timedelta(days=rng.uniform(0, 6.9))
            rows[OutboxMessage].append(dict(id=outbox_id, chat_id=OLD_PEOPLE_FROM + members[outbox_id % 5][0],
                                            method="sendMessage", payload=None, priority=1, status="sent",
                                            not_before=at, attempts=1, telegram_message_id=outbox_id,
                                            created_at=at, sent_at=at))
            update_id += 1
            rows[InboundUpdate].append(dict(update_id=update_id, payload=None, received_at=at, handled_at=at,
                                            attempts=1))
    rows[PollState] = [dict(id=1, next_offset=update_id + 1)]
    return rows


async def seed_history(url: str, cases: int) -> dict[str, int]:
    """Writes the old cases; returns how many rows went into each table."""
    now = datetime.now(timezone.utc)
    rows = _history(cases, now)
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session, session.begin():
        for model, values in rows.items():
            for start in range(0, len(values), 5000):
                await session.execute(insert(model), values[start:start + 5000])
        if url.startswith("postgresql"):
            # The ids were given here: PostgreSQL's sequences must move past them.
            for model in rows:
                table = model.__table__
                if "id" in table.c and table.c.id.autoincrement:
                    await session.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"))
    await engine.dispose()
    return {model.__tablename__: len(values) for model, values in rows.items()}


async def seed_future_jobs(url: str, jobs: int, cases: int) -> None:
    """`jobs` reminders due over the next 90 days (of tasks and meetings of
    the old cases: what they name does not matter, none comes due here)."""
    rng = random.Random(7)
    now = datetime.now(timezone.utc)
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session, session.begin():
        values = [dict(kind=TASK_REMIND, task_id=1 + i % (3 * cases), due_at=now + timedelta(days=1, seconds=rng.uniform(0, 89 * 86400)))
                  for i in range(jobs)]
        for start in range(0, len(values), 5000):
            await session.execute(insert(Job), values[start:start + 5000])
    await engine.dispose()


# ---- the people acting now ----------------------------------------------------


async def seed_children(url: str, count: int, first_id: int) -> None:
    """`count` children, each in an open case (systemic) whose meeting is in
    two days, so their preparation is open; one coordinator holds them all."""
    engine = make_engine(url)
    now = datetime.now(timezone.utc)
    async with make_sessionmaker(engine)() as session, session.begin():
        coordinator = Person(telegram_user_id=first_id - 1, chat_id=first_id - 1, name="Cia", language="en",
                             is_coordinator=True, created_at=now)
        session.add(coordinator)
        await session.flush()
        for i in range(count):
            child = Person(telegram_user_id=first_id + i, chat_id=first_id + i, name=f"Kim {i}", language="en",
                           created_at=now)
            case = Case(pseudonym=f"Family K{i}", coordinator_id=coordinator.id, model_id="systemic",
                        timezone="Europe/Stockholm", status="open", created_at=now)
            session.add_all([child, case])
            await session.flush()
            session.add_all([Participant(case_id=case.id, person_id=child.id, role="child", joined_at=now),
                             Meeting(case_id=case.id, meeting_type="meeting", starts_at=now + timedelta(days=2),
                                     place="Town hall", status="planned", created_at=now)])
    await engine.dispose()


async def _act(user, action, contains: str | None = None):
    before = len(user.messages)
    await action
    predicate = (lambda m: contains in m.text) if contains else None
    return await user.wait_for(predicate, after=before, timeout=TIMEOUT)


async def child_session(user) -> None:
    await _act(user, user.send_command("prep"), "Question 1 of")
    await _act(user, user.press("🙂 Good"), "Question 2 of")
    await _act(user, user.press("😐 Okay"), "Question 3 of")
    await _act(user, user.press("🙁 Not so good"), "Question 4 of")
    await _act(user, user.send_text("Grandma and my friend Alex"), "Saved")
    await _act(user, user.press("Next ▶"), "Question 5 of")
    await _act(user, user.send_text("I want to <talk> about football & school"), "Saved")
    await _act(user, user.press("Next ▶"), "Your answers")
    await _act(user, user.press("✅ Done"), "Thank you")


# ---- measuring the process -------------------------------------------------------

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


async def act_once(emulator, bot, people: int, first_coordinator: int, first_child: int) -> dict[str, float]:
    """The people act once, all at the same time; the bot's cost per update."""
    coordinators = [emulator.user(first_coordinator + i, f"C{i}", language_code="en") for i in range(people // 2)]
    children = [emulator.user(first_child + i, f"Kim {i}", language_code="en") for i in range(people // 2)]
    before, cpu_before = await bot.counts(), cpu_seconds(bot.process.pid)
    started = time.perf_counter()
    await asyncio.gather(*(coordinator_session(u) for u in coordinators), *(child_session(u) for u in children))
    elapsed = time.perf_counter() - started
    after, cpu_after = await bot.counts(), cpu_seconds(bot.process.pid)
    updates = len(coordinators) * COORDINATOR_STEPS + len(children) * CHILD_STEPS
    return dict(rate=updates / elapsed, cpu_ms=1000 * (cpu_after - cpu_before) / updates,
                statements=(after["statements"] - before["statements"]) / updates,
                commits=(after["commits"] - before["commits"]) / updates)


async def one_round(url: str, people: int, folder: str) -> dict[str, float]:
    await seed_coordinators(url, people // 2, 20_000)
    await seed_children(url, people // 2, 40_000)
    async with BotApiEmulator(first_update_id=FIRST_UPDATE_ID) as emulator:
        bot = meetbot(emulator, url, f"{folder}/counts.json",
                      MEETBOT_SEND_RATE_GLOBAL="10000", MEETBOT_SEND_RATE_PER_CHAT="10000", MEETBOT_QUIET_HOURS="")
        await bot.start(emulator)
        try:
            await asyncio.sleep(2.0)  # menus set, retention's first look done: count only the people's work
            result = await act_once(emulator, bot, people, 20_000, 40_000)
            result["startup"] = bot.startup
            result["rss"] = peak_rss_mb(bot.process.pid)
        finally:
            await bot.stop()
    return result


async def database_copy(template: str, database_url: str | None, cases: int, folder: str, name: str) -> str:
    """A database for one round: the SQLite template copied (seeding once is
    enough), or PostgreSQL wiped and seeded again."""
    if database_url:
        url = await fresh_database(database_url, folder)
        if cases:
            await seed_history(url, cases)
        return url
    shutil.copy(template, f"{folder}/{name}.sqlite3")
    return f"sqlite+aiosqlite:///{folder}/{name}.sqlite3"


async def cost(people: int, cases: int, rounds: int, database_url: str | None) -> None:
    results: dict[str, list[dict[str, float]]] = {"empty": [], "grown": []}
    with tempfile.TemporaryDirectory() as folder:
        templates = {}
        if not database_url:
            for name, count in (("empty", 0), ("grown", cases)):
                with tempfile.TemporaryDirectory() as seeding:
                    url = await fresh_database(None, seeding)
                    started = time.perf_counter()
                    sizes = await seed_history(url, count) if count else {}
                    templates[name] = f"{folder}/{name}-template.sqlite3"
                    shutil.copy(f"{seeding}/bench.sqlite3", templates[name])
                    if count:
                        print(f"seeded {count} old cases in {time.perf_counter() - started:.0f} s: "
                              + ", ".join(f"{n} {table}" for table, n in sizes.items()))
        for r in range(rounds):
            for name, count in (("empty", 0), ("grown", cases)):
                with tempfile.TemporaryDirectory() as round_folder:
                    url = await database_copy(templates.get(name, ""), database_url, count, round_folder, name)
                    results[name].append(await one_round(url, people, round_folder))
    backend = "PostgreSQL" if database_url else "SQLite"
    print(f"cost per update: {people} people ({people // 2} coordinators creating a case, {people // 2} children "
          f"preparing), {backend}, {rounds} interleaved rounds, {load_average()}")
    for name in ("empty", "grown"):
        rows = results[name]
        label = "empty database" if name == "empty" else f"{cases} old cases"
        print(f"  {label:16} {spread([r['rate'] for r in rows], 1)} updates/s, "
              f"{spread([r['cpu_ms'] for r in rows], 1)} ms CPU, "
              f"{spread([r['statements'] for r in rows], 1)} statements, "
              f"{spread([r['commits'] for r in rows], 2)} commits per update; "
              f"start-up {spread([r['startup'] for r in rows], 1)} s, peak RSS {spread([r['rss'] for r in rows], 0)} MB")


async def task_reminders_dropped(url: str) -> float:
    """Milliseconds to drop one task's pending reminders, as a task done,
    changed or cancelled does (bot/storage/changes.py), with every job
    waiting in the database; 200 tasks (none in an empty database: the
    same statement, finding nothing), rolled back."""
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        started = time.perf_counter()
        for task_id in range(1, 201):
            await session.execute(delete(Job).where(Job.task_id == task_id, Job.done_at.is_(None)))
        elapsed = (time.perf_counter() - started) / 200
        await session.rollback()
    await engine.dispose()
    return 1000 * elapsed


async def memory(people: int, cases: int, jobs: int, database_url: str | None) -> None:
    results = {}
    for name, count, future in (("empty", 0, 0), ("grown", cases, jobs)):
        with tempfile.TemporaryDirectory() as folder:
            url = await fresh_database(database_url, folder)
            if count:
                await seed_history(url, count)
                await seed_future_jobs(url, future, count)
            await seed_coordinators(url, people // 2, 20_000)
            await seed_children(url, people // 2, 40_000)
            async with BotApiEmulator(first_update_id=FIRST_UPDATE_ID) as emulator:
                bot = meetbot(emulator, url, f"{folder}/counts.json", MEETBOT_QUIET_HOURS="")
                await bot.start(emulator)
                try:
                    await asyncio.sleep(2.0)
                    idle_from = await bot.counts()
                    await asyncio.sleep(10.0)
                    idle = (await bot.counts())["statements"] - idle_from["statements"]
                    active = await act_once(emulator, bot, people, 20_000, 40_000)
                    results[name] = dict(rss=peak_rss_mb(bot.process.pid), idle=idle / 10.0,
                                         statements=active["statements"], startup=bot.startup)
                finally:
                    await bot.stop()
            results[name]["task_done_ms"] = await task_reminders_dropped(url)
    backend = "PostgreSQL" if database_url else "SQLite"
    grown, empty = results["grown"], results["empty"]
    print(f"memory: {cases} old cases and {jobs} future reminders, {backend}, {load_average()}")
    print(f"  bot process peak RSS {grown['rss']:.0f} MB (empty database: {empty['rss']:.0f} MB); "
          f"idle {grown['idle']:.1f} statements/s (empty: {empty['idle']:.1f}); "
          f"{grown['statements']:.1f} statements per update (empty: {empty['statements']:.1f}); "
          f"start-up {grown['startup']:.1f} s (empty: {empty['startup']:.1f} s); "
          f"a task's reminders dropped in {grown['task_done_ms']:.2f} ms (empty: {empty['task_done_ms']:.2f} ms)")


async def main(args) -> None:
    if not args.skip_cost:
        await cost(args.people, args.cases, args.rounds, args.database_url)
    if not args.skip_memory:
        await memory(args.people, args.cases, args.jobs, args.database_url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-cost", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--database-url", help="default: a temporary SQLite file; a PostgreSQL database given here is wiped")
    main_args = parser.parse_args()
    asyncio.run(main(main_args))
