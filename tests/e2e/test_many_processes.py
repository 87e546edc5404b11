"""One poller and two `meetbot worker` processes on one PostgreSQL database:
every update handled once, every reminder sent once, and Telegram's global
limit kept by all of them together."""

import asyncio
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot.db.models import Case, InboundUpdate, Job, Meeting, Participant, Person, Task, TaskOwner
from bot.ops.models import ServiceProcess
from bot.planner import TASK_REMIND
from tests.auxil.people import act
from tests.auxil.running import env_for, start_bot_process

PEOPLE = 40
RATE = 15  # MEETBOT_SEND_RATE_GLOBAL of the deployment, not of each process
SENDING = {"sendMessage", "sendPhoto", "sendDocument", "sendVoice", "editMessageText", "editMessageReplyMarkup"}


async def live_processes(sessionmaker) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(ServiceProcess))


async def start_worker(emulator, database_url, **env) -> subprocess.Popen:
    log = tempfile.TemporaryFile()
    return await asyncio.to_thread(subprocess.Popen, [sys.executable, "-m", "bot.cli", "worker"],
                                   env={**env_for(emulator, database_url), **env}, stdout=subprocess.DEVNULL, stderr=log)


def most_sends_in_a_second(emulator) -> int:
    times = sorted(c.time for c in emulator.calls if c.method in SENDING)
    return max((sum(1 for t in times[i:] if t - start < 1.0) for i, start in enumerate(times)), default=0)


async def test_a_poller_and_two_workers_share_inbox_outbox_jobs_and_the_rate(emulator, database_url, sessionmaker):
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share PostgreSQL; SQLite is for one")
    emulator.rate_limits = True  # Telegram's flood control: a 429 shows the limit was passed
    env = {"MEETBOT_SEND_RATE_GLOBAL": str(RATE), "MEETBOT_SEND_RATE_PER_CHAT": "1"}
    lars = emulator.user(4, "Lars")
    people = [emulator.user(100 + n, f"Person {n}") for n in range(PEOPLE)]
    for person in people:
        person.started = True  # each has written to the bot before
    processes = [await start_bot_process(emulator, database_url, **env),
                 await start_worker(emulator, database_url, **env), await start_worker(emulator, database_url, **env)]
    try:
        for _ in range(200):
            if await live_processes(sessionmaker) == 3:
                break
            await asyncio.sleep(0.1)
        assert await live_processes(sessionmaker) == 3
        await asyncio.sleep(6)  # a heartbeat: each has seen the other two, and taken a third of the rate

        for _ in range(3):  # a person talking to the bot: each message answered once
            await act(lars, lars.send_command("help"), contains="/language")
        now = datetime.now(timezone.utc)
        async with sessionmaker() as session, session.begin():
            cia = Person(telegram_user_id=1, chat_id=1, name="Cia", is_coordinator=True, created_at=now)
            session.add(cia)
            await session.flush()
            case = Case(pseudonym="Family A", coordinator_id=cia.id, model_id="systemic", timezone="Europe/Stockholm",
                        created_at=now)
            session.add(case)
            await session.flush()
            meeting = Meeting(case_id=case.id, meeting_type="meeting", starts_at=now - timedelta(days=1), status="ended",
                              created_at=now)
            session.add(meeting)
            await session.flush()
            for n, person in enumerate(people):
                owner = Person(telegram_user_id=person.id, chat_id=person.chat_id, name=person.first_name, language="en",
                               created_at=now)
                session.add(owner)
                await session.flush()
                task = Task(case_id=case.id, meeting_id=meeting.id, ref=f"ref{n}", what=f"Task {n}", status="open",
                            due_at=now + timedelta(days=2), created_at=now)
                session.add_all([task, Participant(case_id=case.id, person_id=owner.id, role="network", joined_at=now)])
                await session.flush()
                session.add_all([TaskOwner(task_id=task.id, person_id=owner.id),
                                 Job(kind=TASK_REMIND, task_id=task.id, due_at=now - timedelta(seconds=1))])
        for person in people:
            await person.wait_for(lambda m: "A friendly reminder" in m.text, timeout=60)
        await asyncio.sleep(2.0)  # time for a duplicate to show up, if there were one
    finally:
        for process in processes:
            process.terminate()
        await asyncio.gather(*(asyncio.to_thread(p.wait) for p in processes))

    for n, person in enumerate(people):
        reminders = [m.text for m in person.bot_messages if "A friendly reminder" in m.text]
        assert len(reminders) == 1 and f"Task {n}" in reminders[0]
    assert len([m for m in lars.bot_messages if "/language" in m.text]) == 3
    async with sessionmaker() as session:
        updates = list(await session.execute(select(InboundUpdate.handled_at, InboundUpdate.error)))
    assert updates and all(handled is not None and error is None for handled, error in updates)
    assert emulator.stats["rate_limited"] == 0
    assert most_sends_in_a_second(emulator) <= RATE + 3  # each process may start its second with one
    assert await live_processes(sessionmaker) == 0  # each said goodbye
