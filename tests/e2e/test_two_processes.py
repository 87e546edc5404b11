"""Two `meetbot run` processes on one database: each due reminder goes out once."""

import asyncio
from datetime import datetime, timedelta, timezone

from bot.db.models import Case, Job, Meeting, Participant, Person, Task, TaskOwner
from bot.planner import TASK_REMIND
from tests.auxil.running import start_bot_process

REMINDERS = 12


async def test_two_bot_processes_send_each_due_reminder_once(emulator, database_url, sessionmaker):
    lars = emulator.user(4, "Lars")
    await lars.send_command("help")  # a bot can write only to someone who has written to it
    # Both processes are up and looking before the reminders come due.
    first = await start_bot_process(emulator, database_url)
    second = await start_bot_process(emulator, database_url)
    try:
        now = datetime.now(timezone.utc)
        async with sessionmaker() as session, session.begin():
            cia = Person(telegram_user_id=1, chat_id=1, name="Cia", is_coordinator=True, created_at=now)
            owner = Person(telegram_user_id=4, chat_id=lars.chat_id, name="Lars", language="en", created_at=now)
            session.add_all([cia, owner])
            await session.flush()
            case = Case(pseudonym="Family A", coordinator_id=cia.id, model_id="systemic", timezone="Europe/Stockholm", created_at=now)
            session.add(case)
            await session.flush()
            meeting = Meeting(case_id=case.id, meeting_type="meeting", starts_at=now - timedelta(days=1), status="ended", created_at=now)
            session.add_all([meeting, Participant(case_id=case.id, person_id=owner.id, role="network", joined_at=now)])
            await session.flush()
            for n in range(REMINDERS):
                task = Task(case_id=case.id, meeting_id=meeting.id, ref=f"ref{n}", what=f"Task {n}", status="open",
                            due_at=now + timedelta(days=2), created_at=now)
                session.add(task)
                await session.flush()
                session.add_all([TaskOwner(task_id=task.id, person_id=owner.id),
                                 Job(kind=TASK_REMIND, task_id=task.id, due_at=now - timedelta(seconds=1))])
        await lars.wait_for(lambda m: len([x for x in lars.bot_messages if "A friendly reminder" in x.text]) >= REMINDERS,
                            timeout=30)
        await asyncio.sleep(2.0)  # time for a duplicate to show up, if there were one
    finally:
        for process in (first, second):
            process.terminate()
            await asyncio.to_thread(process.wait)
    texts = sorted(m.text.split(":")[1].split("–")[0].strip() for m in lars.bot_messages if "A friendly reminder" in m.text)
    assert texts == sorted(f"Task {n}" for n in range(REMINDERS))
