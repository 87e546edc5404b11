"""A task shared by several owners, end to end: each owner answers for their
own part, "done" by one asks the others, every answer reaches the
coordinator, and the task is done when all parts are (or the coordinator
says so). Reminders go only to the owners not done yet."""

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import AuditEntry, Task, TaskOwner
from tests.auxil.people import act
from tests.e2e.test_tasks import add_task, running_meeting


async def owner_states(runtime) -> tuple[str, int]:
    """The task's status, and how many of its owners are done."""
    async with runtime.sessionmaker() as session:
        task = await session.scalar(select(Task))
        done = len(list(await session.scalars(select(TaskOwner).where(TaskOwner.task_id == task.id, TaskOwner.done_at.is_not(None)))))
    return task.status, done


async def anna_says_done(anna, cia, lars):
    await anna.send_command("tasks")
    mine = await anna.wait_for(lambda m: "Call the school" in m.text and "I need help" in str(m.buttons), timeout=10)
    reply = await act(anna, anna.press("✅ Done", message=mine), contains="Well done")
    assert "asked Lars whether their part is done too" in reply.text
    told = await cia.wait_for(lambda m: "Anna has done their part of the task" in m.text, timeout=10)
    assert "Not done yet: Lars" in told.text
    asked = await lars.wait_for(lambda m: "Is your part done too?" in m.text, timeout=10)
    return told, asked


async def test_one_owner_done_asks_the_other_whose_answers_reach_the_coordinator(emulator, bot):
    cia, anna, lars, control = await running_meeting(emulator, bot)
    await add_task(cia, control, "Call the school", ["Anna", "Lars"])
    _told, asked = await anna_says_done(anna, cia, lars)
    assert await owner_states(bot) == ("open", 1)
    # Lars needs help: the coordinator hears it, and his buttons stay.
    await act(lars, lars.press("🆘 I need help", message=asked), contains="need help")
    await cia.wait_for(lambda m: "Lars asks for help with the task" in m.text, timeout=10)
    await act(lars, lars.press("⏳ Not yet", message=asked), contains="let the coordinator know")
    await cia.wait_for(lambda m: "Lars has not finished their part of the task yet" in m.text, timeout=10)
    assert await owner_states(bot) == ("open", 1)
    # Later, from his /tasks, his part is done too: now the task is.
    await lars.send_command("tasks")
    his = await lars.wait_for(lambda m: "Call the school" in m.text and "✅ Done" in str(m.buttons), timeout=10)
    await act(lars, lars.press("✅ Done", message=his), contains="Well done")
    await cia.wait_for(lambda m: "Lars has done their part too, so the task is done" in m.text, timeout=10)
    assert await owner_states(bot) == ("done", 2)
    async with bot.sessionmaker() as session:
        actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert {"task_part_done", "task_help", "task_not_yet", "task_done"} <= set(actions)


async def test_the_coordinator_marks_a_shared_task_done_for_everyone(emulator, bot):
    cia, anna, lars, control = await running_meeting(emulator, bot)
    await add_task(cia, control, "Call the school", ["Anna", "Lars"])
    told, asked = await anna_says_done(anna, cia, lars)
    ref = told.buttons[0][0].callback_data.split(":")[-1]
    await act(cia, cia.press("✅ Mark the whole task done", message=told), contains="The task is marked done")
    await lars.wait_for(lambda m: "The coordinator has marked this task done" in m.text, timeout=10)
    assert (await owner_states(bot))[0] == "done"
    await act(lars, lars.press("✅ My part is done too", message=asked), contains="already marked done")
    # An owner cannot use a forged copy of the coordinator's button.
    await anna.send_command("tasks")
    listing = await anna.wait_for(lambda m: "Call the school" in m.text, timeout=10)
    await anna.press_data(f"-|task:close:{ref}", listing.message_id)
    await anna.wait_until_answered(timeout=10)
    assert "does not work" in anna.callback_answers[-1]


async def test_reminders_go_only_to_the_owners_not_done(emulator, bot):
    cia, anna, lars, control = await running_meeting(emulator, bot)
    await add_task(cia, control, "Call the school", ["Anna", "Lars"])
    await anna_says_done(anna, cia, lars)
    async with bot.sessionmaker() as session:
        due = await session.scalar(select(Task.due_at))
    soon = due - timedelta(days=1)
    bot.scheduler.clock = bot.sender.clock = lambda: soon
    bot.scheduler.wake()
    await lars.wait_for(lambda m: "A friendly reminder: Call the school" in m.text, timeout=10)
    await anna.wait_until_answered(timeout=5, quiet=0.5)
    assert not [m for m in anna.bot_messages if "A friendly reminder" in m.text]
