"""The preparation journey end to end: the real bot against the emulator,
with a real database, reminders with shortened lead times, and a restart."""

import asyncio
import json
import os
import signal
from datetime import datetime, timedelta, timezone

from cryptography.fernet import Fernet
from sqlalchemy import select, text, update

from bot.db.models import Answer, Case, Job, Meeting, Preparation, Task
from tests.auxil.people import (
    STOCKHOLM,
    act,
    button,
    case_with_people,
)
from tests.auxil.running import running_bot, start_bot_process


async def case_with(emulator, runtime, *roles, model_button="Systemic meeting", date=None):
    """One joined person per role, named Anna, Kim, Lars and Pia in turn."""
    people = list(zip(("Anna", "Kim", "Lars", "Pia"), roles))
    return await case_with_people(emulator, runtime, people, model_button=model_button, date=date)


async def start_preparing(person):
    notice = await person.wait_for(lambda m: "You can prepare for it now" in m.text, timeout=10)
    return await act(person, person.press("Start preparing ▶", message=notice), contains="Question 1 of")


async def test_a_family_member_prepares_and_the_coordinator_sees_what_was_shared(emulator, bot):
    cia, (anna,) = await case_with(emulator, bot, "family member")
    await start_preparing(anna)
    # Question 1: free text in two messages, joined.
    await act(anna, anna.send_text("Mornings are <hard> & slow 😴"), contains="Saved")
    await act(anna, anna.send_text("Evenings are calm."), contains="Added to your answer.")
    await act(anna, anna.press("Next ▶"), contains="Question 2 of")
    # Question 2: the network map, checked as a picture.
    await act(anna, anna.send_text("Grandma Eva"), contains="Who is")
    await act(anna, anna.press("Family"), contains="How close")
    await act(anna, anna.press("very close"), contains="Added")
    picture = await act(anna, anna.press("The map is ready ▶"), contains="Is it right")
    assert picture.photo is not None and "Grandma Eva" in picture.caption
    await act(anna, anna.press("✅ It is right"), contains="Question 3 of")
    # Question 3: kept as a private note.
    await act(anna, anna.press("👁 Change who sees it"), contains="Who may see")
    await act(anna, anna.press("only you (a note for yourself)"), contains="Saved:")
    await act(anna, anna.send_text("My private worry"), contains="Saved")
    await act(anna, anna.press("Next ▶"))
    while "Your answers" not in anna.last_bot_message.text:
        await act(anna, anna.press("Skip ▶"))
    summary = anna.last_bot_message
    assert "Mornings are <hard> & slow 😴\n\nEvenings are calm." in summary.text
    await act(anna, anna.press("✅ Done"), contains="Thank you")

    overview = await act(cia, cia.send_command("prep"), contains="Preparation for")
    assert "Finished" in overview.text and "Anna" in overview.text
    digest = await act(cia, cia.press("📋 Shared answers by question"), contains="Shared answers")
    assert "Mornings are <hard> & slow 😴" in digest.text
    assert "My private worry" not in " ".join(m.text + (m.caption or "") for m in cia.bot_messages)
    await cia.wait_for(lambda m: m.photo is not None and "Network map from Anna" in (m.caption or ""), timeout=10)
    async with bot.sessionmaker() as session:
        assert "viewed_digest" in set(await session.scalars(text("SELECT action FROM audit_log")))


async def test_the_child_answers_with_faces_and_a_voice_note_reaches_the_coordinator(emulator, bot):
    cia, (kim,) = await case_with(emulator, bot, "child or young person")
    first = await start_preparing(kim)
    assert "only the coordinator" in first.text  # a child's answers are not shown to the family by default
    await act(kim, kim.press("🙂 Good"), contains="Question 2 of")
    await act(kim, kim.press("😐 Okay"), contains="Question 3 of")
    await act(kim, kim.press("🙁 Not so good"), contains="Question 4 of")
    await act(kim, kim.send_voice(duration=7), contains="voice message is saved")
    await act(cia, cia.send_command("prep"), contains="Preparation for")
    await act(cia, cia.press("👤 Shared answers by person"), contains="Shared answers")
    voice = await cia.wait_for(lambda m: m.media == "voice message", timeout=10)
    assert "Voice message from Anna" in (voice.caption or "")


async def test_bad_input_during_preparation(emulator, bot):
    cia, (lars,) = await case_with(emulator, bot, "network member")
    await start_preparing(lars)
    await act(lars, lars.send_sticker(), contains="Question 1 of")  # said it reads only text, and asked again
    assert any("I can only read text here." in m.text for m in lars.bot_messages)
    question = await act(lars, lars.press("Skip ▶"), contains="Question 2 of")
    # 5,000 characters arrive as two messages, as Telegram apps send them: one answer.
    await lars.send_text("x" * 4500 + " <end> & 🙂")
    await lars.wait_for(lambda m: m.text.startswith("Added to your answer."), timeout=10)
    await lars.wait_until_answered(timeout=10)
    await act(lars, lars.press("Next ▶"), contains="Question 3 of")
    # The question's own buttons are now from an earlier step.
    await act(lars, lars.press("Skip ▶", message=question), contains="earlier question")
    async with bot.sessionmaker() as session:
        answers = {a.question_id: a for a in await session.scalars(select(Answer))}
    text_answer = next(a for a in answers.values() if a.kind == "text")
    joined = json.loads(bot.engine.sealer.open(text_answer.content))["text"]
    assert joined.replace("\n\n", "") == "x" * 4500 + " <end> & 🙂"
    await act(cia, cia.send_command("prep"), contains="Preparation for")
    await act(cia, cia.press("📋 Shared answers by question"), contains="Shared answers")
    await cia.wait_until_answered(timeout=10)
    shown = "".join(m.text for m in cia.bot_messages)
    assert shown.count("x") >= 4500 and "<end> & 🙂" in shown  # split over messages, nothing cut


async def test_answers_are_encrypted_at_rest_when_a_key_is_set(emulator, database_url):
    key = Fernet.generate_key().decode()
    async with running_bot(emulator, database_url, encryption_key=key) as runtime:
        cia, (anna,) = await case_with(emulator, runtime, "family member")
        await start_preparing(anna)
        await act(anna, anna.send_text("A very private sentence"), contains="Saved")
        async with runtime.sessionmaker() as session:
            stored = await session.scalar(select(Answer.content))
        assert stored.startswith("fernet:") and "private sentence" not in stored
        await act(cia, cia.send_command("prep"), contains="Preparation for")
        digest = await act(cia, cia.press("📋 Shared answers by question"), contains="Shared answers")
        assert "A very private sentence" in digest.text


async def _meeting_soon(runtime, seconds: float) -> None:
    """Moves the case's meeting to `seconds` from now and plans it again, as a moved meeting would be."""
    async with runtime.sessionmaker() as session, session.begin():
        meeting = await session.scalar(select(Meeting))
        case = await session.get(Case, meeting.case_id)
        meeting.starts_at = datetime.now(timezone.utc) + timedelta(seconds=seconds)
        await runtime.engine.planner.plan_meeting(session, meeting, case, datetime.now(timezone.utc))
    runtime.scheduler.wake()


async def test_only_those_not_finished_are_reminded_and_no_more_than_the_model_allows(emulator, database_url):
    # Three reminders planned 2, 3 and 4 seconds from now; the systemic model allows two.
    async with running_bot(emulator, database_url, prep_reminder_leads="118s,117s,116s") as runtime:
        cia, (anna, lars) = await case_with(emulator, runtime, "family member", "network member")
        await start_preparing(anna)
        await act(anna, anna.press("⏸ Pause"), contains="Paused")
        await start_preparing(lars)
        while "Your answers" not in lars.last_bot_message.text:
            await act(lars, lars.press("Skip ▶"))
        await act(lars, lars.press("✅ Done"), contains="Thank you")
        await _meeting_soon(runtime, 120)
        await asyncio.sleep(5)
        reminders = [m for m in anna.bot_messages if "friendly reminder" in m.text]
        assert len(reminders) == 2
        assert not [m for m in lars.bot_messages if "friendly reminder" in m.text]
        resumed = await act(anna, anna.press("Continue preparing ▶", message=reminders[-1]), contains="Question")
        assert "Question 1 of" in resumed.text
        async with runtime.sessionmaker() as session:
            assert await session.scalar(select(Preparation.reminders_sent).where(Preparation.status != "finished")) == 2
            assert await session.scalar(select(text("count(*)")).select_from(Job).where(Job.done_at.is_(None), Job.kind != "purge")) == 0


async def test_nothing_is_sent_at_night_in_the_cases_time_zone(emulator, database_url):
    night = datetime.now(STOCKHOLM).replace(hour=23, minute=30).astimezone(timezone.utc)
    async with running_bot(emulator, database_url, quiet_hours="21-8") as runtime:
        runtime.scheduler.clock = lambda: night  # the worker looks at 23:30, Stockholm time
        cia, (anna,) = await case_with(emulator, runtime, "family member")
        await asyncio.sleep(1.0)
        assert not [m for m in anna.bot_messages if "You can prepare" in m.text]
        async with runtime.sessionmaker() as session:
            jobs = list(await session.scalars(select(Job).where(Job.person_id.is_not(None))))
        assert jobs and all(j.done_at is None and j.due_at.astimezone(STOCKHOLM).hour == 8 for j in jobs)


async def test_an_answer_after_the_meeting_started_is_refused_kindly(emulator, bot):
    cia, (anna,) = await case_with(emulator, bot, "family member")
    await start_preparing(anna)
    async with bot.sessionmaker() as session, session.begin():
        await session.execute(update(Meeting).values(starts_at=datetime.now(timezone.utc) - timedelta(minutes=1)))
    reply = await act(anna, anna.send_text("Too late?"), contains="preparation is closed")
    assert "answers were kept" in reply.text
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(Answer.id)) is None


async def test_the_coordinator_nudges_one_person_and_opens_preparation_early(emulator, bot):
    cia, (anna,) = await case_with(emulator, bot, "family member")
    await anna.wait_for(lambda m: "You can prepare" in m.text, timeout=10)
    await act(cia, cia.send_command("prep"), contains="Preparation for")
    await act(cia, cia.press("🔔 Remind someone"), contains="Whom")
    await act(cia, cia.press(button(cia, "Anna")), contains="I have reminded")
    nudge = await anna.wait_for(lambda m: "Your coordinator asks you" in m.text, timeout=10)
    await act(anna, anna.press("Continue preparing ▶", message=nudge), contains="Question 1 of")


async def test_preparation_opens_on_the_models_day_or_when_the_coordinator_opens_it(emulator, bot):
    far = (datetime.now(STOCKHOLM) + timedelta(days=30)).date().isoformat()
    cia, (anna,) = await case_with(emulator, bot, "family member", date=far)
    early = await act(anna, anna.send_command("prep"), contains="opens on")
    assert "I will write to you then" in early.text
    await act(cia, cia.send_command("prep"), contains="Preparation opens on")
    await act(cia, cia.press("▶ Open preparation now"), contains="Preparation is open now")
    await start_preparing(anna)


async def test_a_restart_in_the_middle_of_the_questions_loses_nothing(emulator, database_url):
    async with running_bot(emulator, database_url) as runtime:
        cia, (anna,) = await case_with(emulator, runtime, "family member")
        await start_preparing(anna)
        await act(anna, anna.send_text("Before the crash"), contains="Saved")
    process = await start_bot_process(emulator, database_url)
    try:
        await act(anna, anna.press("Next ▶"), contains="Question 2 of")
        await anna.wait_until_answered(timeout=10, quiet=0.3)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        await asyncio.to_thread(process.wait)
    await anna.send_text("Grandpa Olle")  # sent while the bot is dead
    process = await start_bot_process(emulator, database_url)
    try:
        await anna.wait_for(lambda m: "Who is" in m.text and "Grandpa Olle" in m.text, timeout=15)
        await act(anna, anna.press("Family"), contains="How close")
        await act(anna, anna.press("close"), contains="Added")
        resumed = await act(anna, anna.send_command("prep"), contains="Question 2 of")
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait)
    assert "Grandpa Olle" in resumed.text
    assert sum("Question 2 of" in m.text for m in anna.bot_messages) == 2  # once asked, once resumed: no repeats


async def test_forgetting_oneself_erases_the_answers_too(emulator, bot):
    cia, (anna,) = await case_with(emulator, bot, "family member")
    await start_preparing(anna)
    await act(anna, anna.send_text("Something about us"), contains="Saved")
    await act(anna, anna.send_command("forget"), contains="erase")
    await act(anna, anna.press(button(anna, "Yes")), contains="erased")
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(Answer.id)) is None
        assert await session.scalar(select(Preparation.id)) is None


async def test_a_follow_up_starts_from_the_plan_agreed_last_time(emulator, bot):
    cia, (anna,) = await case_with(emulator, bot, "family member")
    async with bot.sessionmaker() as session, session.begin():
        case = await session.scalar(select(Case))
        earlier = Meeting(case_id=case.id, meeting_type="meeting", status="held", created_at=datetime.now(timezone.utc),
                          starts_at=datetime.now(timezone.utc) - timedelta(days=42))
        session.add(earlier)
        await session.flush()
        session.add_all([Task(case_id=case.id, meeting_id=earlier.id, what="Grandma <Eva> takes him to football", status="done"),
                         Task(case_id=case.id, meeting_id=earlier.id, what="A morning plan with the school", status="open")])
    await anna.wait_for(lambda m: "You can prepare" in m.text, timeout=10)
    await act(anna, anna.send_command("prep"), contains="Question 1 of")
    intro = next(m for m in anna.bot_messages if "Last time you agreed" in m.text)
    assert "✅ Grandma <Eva> takes him to football" in intro.text and "• A morning plan with the school" in intro.text
    while "Your answers" not in anna.last_bot_message.text:
        await act(anna, anna.press("Skip ▶"))
    assert "Since the last meeting, what has helped? What has not?" in anna.last_bot_message.text
