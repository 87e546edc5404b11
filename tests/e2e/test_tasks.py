"""Tasks and the plan end to end: written down during the meeting, accepted,
the plan read, /tasks, done / help / another date, reminders and overdue."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.db.models import AuditEntry, Task
from tests.auxil.people import act
from tests.e2e.test_meeting import meeting_with, take_attendance


async def running_meeting(emulator, bot):
    cia, (anna, lars) = await meeting_with(emulator, bot, [("Anna", "family member"), ("Lars", "network member")])
    control = await take_attendance(cia, "Anna", "Lars")
    await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of 7")
    return cia, anna, lars, control


async def add_task(cia, control, what, owners, when="In a week", goal=None):
    await act(cia, cia.press("📝 Add a task", message=control), contains="What has been agreed?")
    ask = await act(cia, cia.send_text(what), contains="Who will do it?")
    for name in owners:
        await cia.press(f"▫ {name}", message=ask)
        await cia.wait_for(lambda m: any(b.text == f"✅ {name}" for row in m.buttons for b in row), timeout=10)
    before = len(cia.messages)
    await cia.press("Done choosing ▶", message=ask)
    # The next question: a notice such as "Lars has joined" may come before it.
    asked = await cia.wait_for(lambda m: "Which goal does it serve?" in m.text or "By when?" in m.text,
                               after=before, timeout=10)
    if "Which goal does it serve?" in asked.text:  # at a step that writes goals
        await act(cia, cia.press(goal or "No particular goal", message=asked), contains="By when?")
    else:
        assert "By when?" in asked.text
    before = cia.mark()
    await cia.press(when)
    # A new control message follows the confirmation.
    return await cia.wait_for(lambda m: any(b.text == "📝 Add a task" for row in m.buttons for b in row), after=before, timeout=10)


async def test_a_task_is_written_down_accepted_and_the_plan_agreed_or_not(emulator, bot):
    cia, anna, lars, control = await running_meeting(emulator, bot)
    control = await add_task(cia, control, "Grandma <Eva> takes Kim to football & back", ["Anna", "Lars"])
    notice = await anna.wait_for(lambda m: "A task for you" in m.text, timeout=10)
    assert "Grandma <Eva> takes Kim to football & back" in notice.text and "Together with: Anna, Lars" in notice.text
    await act(anna, anna.press("✅ I'll do it", message=notice), contains="The task is yours")
    await cia.wait_for(lambda m: "Anna takes on the task" in m.text, timeout=10)
    lars_notice = await lars.wait_for(lambda m: "A task for you" in m.text, timeout=10)
    await act(lars, lars.press("💬 I'd like to talk about it", message=lars_notice), contains="told the coordinator")
    await cia.wait_for(lambda m: "Lars would like to talk about the task" in m.text, timeout=10)

    await act(cia, cia.press("⏹ End the meeting", message=control), contains="End the meeting now?")
    await act(cia, cia.press("Yes, end the meeting"), contains="The meeting has ended")
    plan = await anna.wait_for(lambda m: "The plan for Family A" in m.text, timeout=10)
    assert "Grandma <Eva> takes Kim to football & back – Anna; Lars" in plan.text
    assert plan.raw.get("has_protected_content")  # it cannot be forwarded or saved
    # Anna is a guardian, Lars answers for an action: both are asked to agree.
    await act(anna, anna.press("✅ I agree", message=plan), contains="you agree")
    await cia.wait_for(lambda m: "Anna agrees to the plan" in m.text, timeout=10)
    lars_plan = await lars.wait_for(lambda m: "The plan for Family A" in m.text, timeout=10)
    await act(lars, lars.press("✋ I do not agree", message=lars_plan), contains="what do you not agree with")
    await act(lars, lars.send_text("Football is on Wednesdays, not Tuesdays"), contains="passed it on")
    await cia.wait_for(lambda m: "Lars does not agree" in m.text and "Wednesdays" in m.text, timeout=10)
    status = await act(cia, cia.send_command("plan"), contains="Agreement")
    assert "Anna: agrees" in status.text and "Lars: does not agree" in status.text and "Wednesdays" in status.text


async def test_owners_report_between_meetings_and_only_owners_can(emulator, bot):
    cia, anna, lars, control = await running_meeting(emulator, bot)
    control = await add_task(cia, control, "Call the school", ["Anna"])
    await add_task(cia, control, "Make a morning plan", ["Lars"], when="No date")
    # Her /tasks list, not the notice of the task (which may still be on its way).
    await anna.send_command("tasks")
    mine = await anna.wait_for(lambda m: "Call the school" in m.text and "I need help" in str(m.buttons), timeout=10)
    await act(anna, anna.press("🆘 I need help", message=mine), contains="need help")
    await cia.wait_for(lambda m: "Anna asks for help with the task" in m.text, timeout=10)
    await act(anna, anna.press("📅 Another date would suit better", message=mine), contains="Which date")
    await act(anna, anna.send_text("not a date"), contains="Please write a date")
    in_three_weeks = (datetime.now(timezone.utc) + timedelta(days=21)).date().isoformat()
    await act(anna, anna.send_text(in_three_weeks), contains="passed")
    await cia.wait_for(lambda m: "Anna proposes a new date" in m.text, timeout=10)
    # Lars presses Anna's button (a forged copy): nothing happens to her task.
    async with bot.sessionmaker() as session:
        ref = await session.scalar(select(Task.ref).where(Task.due_at.is_not(None)))
    await lars.press_data(f"-|task:done:{ref}", 1)
    await lars.wait_until_answered(timeout=5)
    assert any("does not work here" in note for _i, _who, note in lars.notes)
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(Task.status).where(Task.ref == ref)) == "open"
    await act(anna, anna.press("✅ Done", message=mine), contains="Well done")
    await cia.wait_for(lambda m: "Anna has done the task" in m.text, timeout=10)
    overview = await act(cia, cia.send_command("tasks"), contains="The tasks in your cases")
    assert "Call the school – Anna, by" in overview.text and "✅" in overview.text and "Make a morning plan – Lars" in overview.text
    async with bot.sessionmaker() as session:
        actions = set(await session.scalars(select(AuditEntry.action)))
    assert {"added_task", "task_help", "task_new_date", "task_done"} <= actions


async def test_owners_are_reminded_and_the_coordinator_hears_of_an_overdue_task(emulator, bot):
    cia, anna, lars, control = await running_meeting(emulator, bot)
    await add_task(cia, control, "Book the dentist", ["Lars"])  # due in a week
    await lars.wait_for(lambda m: "A task for you" in m.text, timeout=10)
    async with bot.sessionmaker() as session:
        due = await session.scalar(select(Task.due_at))  # noon, local time, a week from today
    soon = due - timedelta(days=1)  # past the reminder two days before, not yet the day itself
    bot.scheduler.clock = bot.sender.clock = lambda: soon
    bot.scheduler.wake()
    reminder = await lars.wait_for(lambda m: "A friendly reminder: Book the dentist" in m.text, timeout=10)
    assert any(b.text == "✅ Done" for row in reminder.buttons for b in row)
    late = due + timedelta(days=1)  # the next day: the due-day reminder and the overdue notice
    bot.scheduler.clock = bot.sender.clock = lambda: late
    bot.scheduler.wake()
    await lars.wait_for(lambda m: "Today is the day for: Book the dentist" in m.text, timeout=10)
    await cia.wait_for(lambda m: "is not marked done yet" in m.text and "Book the dentist" in m.text, timeout=10)
