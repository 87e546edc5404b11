"""The reminder worker against a real database: each due job runs once, even
with two workers (two processes) looking at the same time."""

import asyncio
from datetime import datetime, timedelta, timezone

from sqlalchemy import event, func, select

from bot.db.models import (
    Case,
    Job,
    Meeting,
    OfflineMember,
    OfflineTaskOwner,
    OutboxMessage,
    Participant,
    Person,
    Preparation,
    Task,
    TaskOwner,
)
from bot.i18n import render
from bot.planner import FORGET_TRACES, PREP_REMIND, TASK_OVERDUE, TASK_REMIND, TRACES_SWEEP, Alarm, Planner
from bot.scheduler import TASK_BATCH, Scheduler
from flows.meeting_models import builtin_models
from flows.text import _
from flows.timing import Timing

NOW = datetime.now(timezone.utc)


async def _case_with_people(sessionmaker, people: int) -> int:
    async with sessionmaker() as session, session.begin():
        coordinator = Person(telegram_user_id=1, chat_id=1, name="Cia", is_coordinator=True, created_at=NOW)
        session.add(coordinator)
        await session.flush()
        case = Case(pseudonym="Family A", coordinator_id=coordinator.id, model_id="systemic", timezone="Europe/Stockholm", created_at=NOW)
        session.add(case)
        await session.flush()
        meeting = Meeting(case_id=case.id, meeting_type="meeting", starts_at=NOW + timedelta(days=2), status="planned", created_at=NOW)
        session.add(meeting)
        for n in range(people):
            person = Person(telegram_user_id=100 + n, chat_id=100 + n, name=f"P{n}", language="sv", created_at=NOW)
            session.add(person)
            await session.flush()
            session.add(Participant(case_id=case.id, person_id=person.id, role="family", joined_at=NOW))
        await session.flush()
        for minutes in (1, 2, 3):  # three reminders due; the model allows two per person
            session.add(Job(kind=PREP_REMIND, meeting_id=meeting.id, due_at=NOW - timedelta(minutes=minutes)))
        return meeting.id


def _worker(sessionmaker) -> Scheduler:
    return Scheduler(sessionmaker, models=builtin_models(), timing=Timing(quiet_hours=None), default_locale="en",
                     interval=0.1, clock=lambda: NOW)


async def test_two_workers_send_each_reminder_once_and_respect_the_models_maximum(sessionmaker):
    await _case_with_people(sessionmaker, people=5)
    first, second = _worker(sessionmaker), _worker(sessionmaker)
    ran = await asyncio.gather(first.run_due(), second.run_due(), first.run_due(), second.run_due())
    assert sum(ran) == 3  # three jobs, each taken by exactly one worker
    async with sessionmaker() as session:
        sent = await session.scalar(select(func.count()).select_from(OutboxMessage))
        reminded = list(await session.scalars(select(Preparation.reminders_sent)))
        open_jobs = await session.scalar(select(func.count()).select_from(Job).where(Job.done_at.is_(None)))
    assert sent == 5 * 2 and reminded == [2] * 5 and open_jobs == 0


async def test_finished_people_are_not_reminded_and_reminders_are_in_their_language(sessionmaker):
    meeting_id = await _case_with_people(sessionmaker, people=2)
    async with sessionmaker() as session, session.begin():
        done = await session.scalar(select(Person).where(Person.name == "P0"))
        session.add(Preparation(meeting_id=meeting_id, person_id=done.id, status="finished", position=5, reminders_sent=0))
    await _worker(sessionmaker).run_due()
    async with sessionmaker() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
    assert {r.chat_id for r in rows} == {101}
    assert all("-|prep:go:" in str(r.payload["reply_markup"]) for r in rows)
    swedish, english = (render(_("Your answers help everyone come well prepared."), lang) for lang in ("sv", "en"))
    assert swedish != english and swedish in rows[0].payload["text"]


async def test_a_job_planned_sooner_wakes_the_sleeping_worker_which_then_sleeps_until_it_is_due(sessionmaker):
    """The cap (interval) is an hour: the job runs only because the planner's
    commit wakes the worker and the worker sleeps just until the job is due.
    Counted, not timed: how often it looked at the database meanwhile."""
    alarm = Alarm()
    planner = Planner(builtin_models(), Timing(quiet_hours=None), alarm)
    worker = Scheduler(sessionmaker, models=builtin_models(), timing=Timing(quiet_hours=None), default_locale="en",
                       interval=3600, alarm=alarm)
    looks = 0
    next_due = worker.next_due

    async def counted_next_due():
        nonlocal looks
        looks += 1
        return await next_due()
    worker.next_due = counted_next_due
    stopping = asyncio.Event()
    running = asyncio.create_task(worker.run(stopping))
    try:
        async with asyncio.timeout(60):  # a safety net, not a measure
            while looks == 0:  # asleep, with nothing planned
                await asyncio.sleep(0.01)
            async with sessionmaker() as session, session.begin():
                planner.sweep_traces(session, datetime.now(timezone.utc))  # due two seconds from now
                planned_before_commit = looks
            async with sessionmaker() as session:
                assert await session.scalar(select(Job.done_at).where(Job.kind == FORGET_TRACES)) is None
            while True:
                async with sessionmaker() as session:
                    if await session.scalar(select(Job.done_at).where(Job.kind == FORGET_TRACES)) is not None:
                        break
                await asyncio.sleep(0.05)
    finally:
        stopping.set()
        worker.wake()
        await running
    assert planned_before_commit == 1  # not woken before the commit
    assert looks <= 4  # woken once, slept until due, ran it: no polling


async def test_a_rolled_back_plan_wakes_nobody(sessionmaker):
    alarm, woken = Alarm(), []
    alarm.subscribe(woken.append)
    planner = Planner(builtin_models(), Timing(quiet_hours=None), alarm)
    async with sessionmaker() as session:
        async with session.begin():
            planner.sweep_traces(session, NOW)
            await session.rollback()
        async with session.begin():
            planner.sweep_traces(session, NOW + timedelta(hours=1))
            planner.sweep_traces(session, NOW)
    assert woken == [NOW + TRACES_SWEEP]  # once, after the commit, with the earliest job


async def _tasks_due(sessionmaker, count: int) -> dict[str, int]:
    """`count` open tasks, one owner each among 25 people, each with a reminder
    due; beside them a done task, an owner whose part is done, a task of a
    member without Telegram and an overdue one. Returns the chats to expect."""
    async with sessionmaker() as session, session.begin():
        lead = Person(telegram_user_id=1, chat_id=1, name="Cia", is_coordinator=True, created_at=NOW)
        people = [Person(telegram_user_id=100 + n, chat_id=100 + n, name=f"P{n}", language="sv", created_at=NOW)
                  for n in range(25)]
        session.add_all([lead, *people])
        await session.flush()
        case = Case(pseudonym="Family A", coordinator_id=lead.id, model_id="sip", timezone="Europe/Stockholm", created_at=NOW)
        session.add(case)
        await session.flush()
        member = OfflineMember(case_id=case.id, name="Morfar", role="network", created_at=NOW)
        session.add(member)

        def task(n: int, **fields) -> Task:
            made = Task(case_id=case.id, ref=f"t{n}", what=f"Uppgift {n}", due_at=NOW + timedelta(days=2),
                        created_at=NOW, **fields)
            session.add(made)
            return made

        tasks = [task(n) for n in range(count)]
        done, finished_part, offline, overdue = task(count, status="done"), task(count + 1), task(count + 2), task(count + 3)
        await session.flush()
        for n, made in enumerate(tasks):
            session.add(TaskOwner(task_id=made.id, person_id=people[n % 25].id))
        session.add_all([TaskOwner(task_id=done.id, person_id=people[0].id),
                         TaskOwner(task_id=finished_part.id, person_id=people[1].id, done_at=NOW),
                         OfflineTaskOwner(task_id=offline.id, member_id=member.id),
                         TaskOwner(task_id=overdue.id, person_id=people[2].id)])
        for made in (*tasks, done, finished_part, offline):
            session.add(Job(kind=TASK_REMIND, task_id=made.id, due_at=NOW - timedelta(minutes=1)))
        session.add(Job(kind=TASK_OVERDUE, task_id=overdue.id, due_at=NOW - timedelta(minutes=1)))
    return {"owners": count, "coordinator": 2}  # the offline member's reminder and the overdue notice


async def test_task_reminders_are_taken_in_batches_and_two_workers_remind_each_owner_once(sessionmaker):
    expected = await _tasks_due(sessionmaker, count=2 * TASK_BATCH + 50)
    engine = sessionmaker.kw["bind"].sync_engine
    statements = []

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    first, second = _worker(sessionmaker), _worker(sessionmaker)
    try:
        while sum(await asyncio.gather(first.run_due(), second.run_due())):
            pass
    finally:
        event.remove(engine, "before_cursor_execute", count)
    async with sessionmaker() as session:
        rows = list(await session.scalars(select(OutboxMessage)))
        open_jobs = await session.scalar(select(func.count()).select_from(Job).where(Job.done_at.is_(None)))
    texts = [r.payload["text"] for r in rows]
    owners = [t for r, t in zip(rows, texts) if r.chat_id != 1]
    assert open_jobs == 0
    assert len(owners) == expected["owners"] and len(set(owners)) == len(owners)  # each task's reminder once
    assert any("Uppgift 249" in t for t in texts) and not any("Uppgift 250" in t or "Uppgift 251" in t for t in texts)  # done, or this owner's part done
    told = [t for r, t in zip(rows, texts) if r.chat_id == 1]
    assert len(told) == expected["coordinator"] and any("Morfar" in t for t in told)
    # A batch is taken and read together: beside the messages it writes, a few
    # statements per hundred reminders (one by one it took about 17 each).
    reading = [s for s in statements if not s.lstrip().upper().startswith("INSERT INTO OUTBOX")]
    assert len(reading) < len(rows) / 5


async def test_a_task_reminder_due_in_the_night_waits_for_the_morning(sessionmaker):
    await _tasks_due(sessionmaker, count=3)
    night = datetime(2026, 12, 2, 23, 30, tzinfo=timezone.utc)  # 00:30 in Stockholm
    worker = Scheduler(sessionmaker, models=builtin_models(), timing=Timing(quiet_hours=(21, 8)), default_locale="en",
                       interval=0.1, clock=lambda: night)
    assert await worker.run_due() == 7  # taken, and put back for the morning
    async with sessionmaker() as session:
        sent = await session.scalar(select(func.count()).select_from(OutboxMessage))
        waiting = set(await session.scalars(select(Job.due_at).where(Job.done_at.is_(None))))
    assert sent == 0 and waiting == {datetime(2026, 12, 3, 7, 0, tzinfo=timezone.utc)}  # 08:00 in Stockholm
