"""`meetbot erase-case`: one case erased at once, confirmed, with an audit
line that names nobody; and retention running by itself inside `meetbot run`."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from bot import scheduler as scheduler_module
from bot.db.models import AuditEntry, Case, Job, Participant, Person
from bot.planner import PURGE, plan_purge
from bot.scheduler import Scheduler
from flows.meeting_models import load_models
from flows.timing import Timing
from tests.auxil.running import running_bot
from tests.bot.test_startup import meetbot

NOW = datetime.now(timezone.utc)


async def two_cases_called_the_same(sessionmaker) -> tuple[int, int]:
    async with sessionmaker() as session, session.begin():
        cia = Person(telegram_user_id=1, chat_id=1, name="Cia", is_coordinator=True, created_at=NOW)
        anna = Person(telegram_user_id=2, chat_id=2, name="Anna Only-here", created_at=NOW)
        bo = Person(telegram_user_id=3, chat_id=3, name="Bo In-both", created_at=NOW)
        session.add_all([cia, anna, bo])
        await session.flush()
        cases = [Case(pseudonym="Family A", coordinator_id=cia.id, model_id="systemic", timezone="Europe/Oslo",
                      created_at=NOW, status=status) for status in ("open", "closed")]
        session.add_all(cases)
        await session.flush()
        session.add_all([Participant(case_id=cases[0].id, person_id=anna.id, role="family", joined_at=NOW),
                         Participant(case_id=cases[0].id, person_id=bo.id, role="network", joined_at=NOW),
                         Participant(case_id=cases[1].id, person_id=bo.id, role="network", joined_at=NOW),
                         AuditEntry(case_id=cases[0].id, actor_id=anna.id, action="joined", detail={}, at=NOW)])
        return cases[0].id, cases[1].id


async def test_erase_case_shows_namesakes_asks_and_erases_one_case_at_once(emulator, database_url, sessionmaker):
    from tests.auxil.running import env_for

    first, second = await two_cases_called_the_same(sessionmaker)
    env = env_for(emulator, database_url)
    listed = await meetbot("erase-case", "family a", env=env)
    assert listed.returncode == 1 and f"case {first} " in listed.stdout and f"case {second} " in listed.stdout
    assert "with the id" in listed.stderr
    refused = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot.cli", "erase-case", str(first)],
                                      env=env, input="no\n", capture_output=True, text=True)
    assert refused.returncode == 1 and "Not erased" in refused.stderr
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 2

    confirmed = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot.cli", "erase-case", str(first)],
                                        env=env, input=f"{first}\n", capture_output=True, text=True)
    assert confirmed.returncode == 0, confirmed.stderr
    assert "1 people in no other case" in confirmed.stdout and "still open" in confirmed.stdout
    async with sessionmaker() as session:
        assert list(await session.scalars(select(Case.id))) == [second]
        assert sorted(await session.scalars(select(Person.name))) == ["Bo In-both", "Cia"]
        trail = list(await session.scalars(select(AuditEntry)))
    assert [(a.action, a.case_id, a.actor_id, a.detail) for a in trail] == [("erased_case", None, None, {"case": first, "people": 1})]
    assert (await meetbot("erase-case", str(first), "--yes", env=env)).returncode == 1  # no such case now
    assert (await meetbot("erase-case", str(second), "--yes", env=env)).returncode == 0
    async with sessionmaker() as session:
        assert list(await session.scalars(select(Person.name))) == ["Cia"]


def _scheduler(sessionmaker) -> Scheduler:
    return Scheduler(sessionmaker, models=load_models(), timing=Timing(quiet_hours=None), default_locale="en",
                     interval=0.1, clock=lambda: NOW, retention_days=30)


async def test_retention_is_one_daily_job_that_two_processes_never_run_twice(sessionmaker, monkeypatch):
    await asyncio.gather(*(plan_purge(sessionmaker, NOW) for _ in range(3)))  # three processes starting at once
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Job).where(Job.kind == PURGE)) == 1
    runs = []
    real = scheduler_module.purge_in

    async def counted(session, days, now):
        runs.append(now)
        return await real(session, days, now)

    monkeypatch.setattr(scheduler_module, "purge_in", counted)
    first, second = _scheduler(sessionmaker), _scheduler(sessionmaker)
    await asyncio.gather(first.run_due(), second.run_due())
    assert len(runs) == 1
    async with sessionmaker() as session:
        job = await session.scalar(select(Job).where(Job.kind == PURGE))
    assert job.done_at is None and job.due_at == NOW + timedelta(days=1)  # tomorrow again
    await plan_purge(sessionmaker, NOW)  # a restart does not move it
    async with sessionmaker() as session:
        assert (await session.scalar(select(Job).where(Job.kind == PURGE))).due_at == NOW + timedelta(days=1)


async def test_a_running_bot_erases_closed_cases_after_retention_by_itself(emulator, database_url, sessionmaker):
    first, second = await two_cases_called_the_same(sessionmaker)
    async with sessionmaker() as session, session.begin():
        old = await session.get(Case, second)
        old.closed_at = NOW - timedelta(days=40)
    async with running_bot(emulator, database_url, retention_days=30):
        for _ in range(100):
            async with sessionmaker() as session:
                if await session.get(Case, second) is None:
                    break
            await asyncio.sleep(0.05)
    async with sessionmaker() as session:
        assert list(await session.scalars(select(Case.id))) == [first]
        assert await session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "purged")) == 1
