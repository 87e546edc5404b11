"""Running a meeting end to end: the control message, everyone's part at each
step, rounds, private family time, step timers, access, and a restart."""

import asyncio
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.db.models import Meeting
from tests.auxil.people import (
    act,
    button,
    case_with_people,
)
from tests.auxil.running import running_bot


async def meeting_with(emulator, runtime, roles, model_button="Systemic meeting"):
    return await case_with_people(emulator, runtime, roles, model_button=model_button)


async def take_attendance(cia, *names):
    control = await act(cia, cia.send_command("meeting"), contains="Who is here?")
    for name in names:
        await act(cia, cia.press(f"▫ {name}", message=control), contains=f"✅ {name}")
    return control


async def test_a_systemic_meeting_step_by_step(emulator, bot):
    cia, (anna, lars) = await meeting_with(emulator, bot, [("Anna", "family member"), ("Lars", "network member")])
    notice = await anna.wait_for(lambda m: "You can prepare" in m.text, timeout=10)
    await act(anna, anna.press("Start preparing ▶", message=notice), contains="Question 1 of")
    await act(anna, anna.send_text("Mornings are hard for us"), contains="Saved")

    control = await take_attendance(cia, "Anna", "Lars")
    started = await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of 7")
    assert started.message_id == control.message_id  # one control message, edited in place
    await anna.wait_for(lambda m: "Now: How we work today" in m.text and "time to listen" in m.text, timeout=10)
    await act(cia, cia.press("Next step ▶", message=control), contains="Step 2 of 7")
    turn = await anna.wait_for(lambda m: "It is your turn to speak now" in m.text, timeout=10)
    assert "Mornings are hard for us" in turn.text  # her own notes as a cue card
    await lars.wait_for(lambda m: "The family's thoughts" in m.text and "time to listen" in m.text, timeout=10)
    assert "Mornings are hard for us" not in " ".join(m.text for m in lars.bot_messages)

    await act(cia, cia.press("⏹ End the meeting", message=control), contains="End the meeting now?")
    await act(cia, cia.press("Yes, end the meeting"), contains="The meeting has ended")
    await anna.wait_for(lambda m: "The meeting has ended. Thank you" in m.text, timeout=10)
    async with bot.sessionmaker() as session:
        meeting = await session.scalar(select(Meeting))
    assert meeting.status == "ended" and meeting.progress["present"] and meeting.ended_at is not None


async def test_private_family_time_and_we_are_ready(emulator, bot):
    cia, (anna, aino) = await meeting_with(emulator, bot, [("Anna", "family member"), ("Aino", "professional")],
                                           model_button="Family group conference")
    control = await take_attendance(cia, "Anna", "Aino")
    await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of 3")
    # A round: the coordinator speaks first, then Aino when the coordinator moves on.
    await act(cia, cia.press("Next speaker ▶", message=control), contains="Now speaking: Aino")
    await aino.wait_for(lambda m: "It is your turn to speak now" in m.text, timeout=10)
    await act(cia, cia.press("Next step ▶", message=control), contains="Step 2 of 3")
    await aino.wait_for(lambda m: "leave the room" in m.text, timeout=10)
    family = await anna.wait_for(lambda m: "your own time as a family" in m.text, timeout=10)
    assert "What help do you need from the professionals?" in family.text
    ready = family.buttons[0][0].callback_data
    await act(anna, anna.press("✅ We are ready", message=family), contains="called the others back")
    await cia.wait_for(lambda m: "Anna says the family is ready" in m.text, timeout=10)
    await aino.wait_for(lambda m: "The family is ready. Please come back in." in m.text, timeout=10)
    # Pressed again (an old copy of the button), nothing is sent twice.
    await anna.press_data(ready, family.message_id)
    await anna.wait_until_answered(timeout=5)
    assert sum("family is ready" in m.text for m in cia.bot_messages) == 1


async def test_only_the_coordinator_runs_it_and_old_buttons_after_the_end_are_explained(emulator, bot):
    cia, (lars,) = await meeting_with(emulator, bot, [("Lars", "network member")])
    await act(lars, lars.send_command("meeting"), contains="Only the coordinator")
    control = await take_attendance(cia, "Lars")
    await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of 7")
    forged = control.buttons[-2][-1].callback_data  # "Next step" of Cia's control message
    await lars.press_data(forged, 1)
    await lars.wait_until_answered(timeout=5)
    async with bot.sessionmaker() as session:
        assert (await session.scalar(select(Meeting))).progress["step"] == 0
    await act(cia, cia.press("⏹ End the meeting", message=control), contains="End the meeting now?")
    end_question = cia.last_bot_message
    await act(cia, cia.press("Yes, end the meeting", message=end_question), contains="has ended")
    await act(cia, cia.send_command("meeting"), contains="This meeting has ended")


async def test_the_coordinator_is_told_gently_when_a_step_nears_and_passes_its_time(emulator, bot):
    cia, (anna,) = await meeting_with(emulator, bot, [("Anna", "family member")])
    control = await take_attendance(cia, "Anna")
    await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of 7")
    later = datetime.now(timezone.utc) + timedelta(minutes=6)  # the first step has 5 minutes
    bot.scheduler.clock = bot.sender.clock = lambda: later  # the worker and the outbox both live six minutes on
    bot.scheduler.wake()
    await cia.wait_for(lambda m: "About two minutes are left" in m.text, timeout=10)
    await cia.wait_for(lambda m: "has now had its planned 5 minutes" in m.text, timeout=10)


async def test_a_restart_during_the_meeting_carries_on_where_it_was(emulator, database_url):
    async with running_bot(emulator, database_url) as runtime:
        cia, (anna,) = await meeting_with(emulator, runtime, [("Anna", "family member")])
        control = await take_attendance(cia, "Anna")
        await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of 7")
    async with running_bot(emulator, database_url):
        await act(cia, cia.press("Next step ▶", message=control), contains="Step 2 of 7")
        await anna.wait_for(lambda m: "It is your turn to speak now" in m.text, timeout=10)
    await asyncio.sleep(0)


async def test_why_the_child_is_absent_is_asked_noted_and_sealed_at_rest(emulator, database_url):
    from cryptography.fernet import Fernet

    async with running_bot(emulator, database_url, encryption_key=Fernet.generate_key().decode()) as runtime:
        cia, (anna, kim) = await meeting_with(emulator, runtime, [("Anna", "family member"), ("Kim", "child or young person")])
        control = await take_attendance(cia, "Anna")
        await act(cia, cia.press("▶ Start the meeting", message=control), contains="Why not?")
        await act(cia, cia.send_text("Kim has a fever <today>"), contains="Step 1 of 7")
        assert not [m for m in kim.bot_messages if "Now:" in m.text]  # absent: told nothing
        async with runtime.sessionmaker() as session:
            progress = (await session.scalar(select(Meeting))).progress
        assert progress["absent_reason"].startswith("fernet:") and "fever" not in progress["absent_reason"]
        control = next(m for m in reversed(cia.bot_messages) if any(b.text == "📝 Add a task" for row in m.buttons for b in row))
        await act(cia, cia.press("⏹ End the meeting", message=control), contains="End the meeting now?")
        await act(cia, cia.press("Yes, end the meeting"), contains="The meeting has ended")
        plan = await anna.wait_for(lambda m: "The plan for Family A" in m.text, timeout=10)
        assert "The child was not at the meeting: Kim has a fever <today>" in plan.text


async def test_someone_who_left_is_not_in_the_meeting_and_gets_nothing(emulator, bot):
    cia, (anna, lars) = await meeting_with(emulator, bot, [("Anna", "family member"), ("Lars", "network member")])
    await act(lars, lars.send_command("forget"), contains="erase")
    await act(lars, lars.press(button(lars, "Yes")), contains="erased")
    control = await act(cia, cia.send_command("meeting"), contains="Who is here?")
    assert "Anna" in control.text and "Lars" not in control.text
    await act(cia, cia.press("▫ Anna", message=control), contains="✅ Anna")
    await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of 7")
    await anna.wait_for(lambda m: "Now: How we work today" in m.text, timeout=10)
    await lars.wait_until_answered(timeout=3)
    assert not [m for m in lars.bot_messages if "Now:" in m.text]
