"""What people write during preparation is added to, never silently replaced:
after a pause, after /prep, after a restart; "Start again" replaces only when
asked. A three-column question resumes at the part where one left off."""

import json

from sqlalchemy import select

from bot.db.models import Answer
from tests.auxil.people import act, button, invite_links, join, make_coordinator, tomorrow
from tests.auxil.running import running_bot
from tests.e2e.test_preparation import case_with, start_preparing


async def stored_answers(runtime) -> dict[str, dict]:
    async with runtime.sessionmaker() as session:
        return {a.question_id: json.loads(runtime.engine.sealer.open(a.content))
                for a in await session.scalars(select(Answer)) if a.content}


async def digest(cia) -> str:
    await act(cia, cia.send_command("prep"), contains="Preparation for")
    await act(cia, cia.press("📋 Shared answers by question"), contains="Shared answers")
    await cia.wait_until_answered(timeout=10)
    return "".join(m.text for m in cia.bot_messages[-6:])


async def test_writing_more_after_a_pause_or_prep_adds_to_the_answer(emulator, bot):
    cia, (anna,) = await case_with(emulator, bot, "family member")
    await start_preparing(anna)
    await act(anna, anna.send_text("Mornings are <hard> & slow."), contains="Saved")
    await act(anna, anna.press("⏸ Pause"), contains="Paused")
    again = await act(anna, anna.send_command("prep"), contains="Question 1 of")
    assert "Your answer so far:\nMornings are <hard> & slow." in again.text and "kept together" in again.text
    await act(anna, anna.send_text("Evenings are calm."), contains="Added to your answer.")
    await act(anna, anna.send_command("prep"), contains="Question 1 of")  # /prep in the middle, no pause
    await act(anna, anna.send_text("Weekends vary."), contains="Added to your answer.")
    (answer,) = (await stored_answers(bot)).values()
    assert answer == {"text": "Mornings are <hard> & slow.\n\nEvenings are calm.\n\nWeekends vary."}
    shown = await digest(cia)
    assert "Mornings are <hard> & slow." in shown and "Evenings are calm." in shown and "Weekends vary." in shown


async def test_start_again_replaces_the_answer_and_says_so(emulator, bot):
    cia, (anna,) = await case_with(emulator, bot, "family member")
    await start_preparing(anna)
    await act(anna, anna.send_text("A first thought"), contains="Saved")
    await act(anna, anna.press("✏ Start again"), contains="What you write next replaces your answer so far")
    assert (await stored_answers(bot)) == {"everyday": {"text": "A first thought"}}  # nothing gone until the new one comes
    await act(anna, anna.send_text("A better thought"), contains="Your earlier answer was replaced.")
    await act(anna, anna.send_text("and one more"), contains="Added to your answer.")
    assert list((await stored_answers(bot)).values()) == [{"text": "A better thought\n\nand one more"}]
    shown = await digest(cia)
    assert "A better thought" in shown and "A first thought" not in shown


async def test_an_answer_continued_after_a_restart_keeps_both_parts(emulator, database_url):
    async with running_bot(emulator, database_url) as runtime:
        cia, (anna,) = await case_with(emulator, runtime, "family member")
        await start_preparing(anna)
        await act(anna, anna.send_text("Written before the restart"), contains="Saved")
    async with running_bot(emulator, database_url) as runtime:
        again = await act(anna, anna.send_command("prep"), contains="Question 1 of")
        assert "Written before the restart" in again.text
        await act(anna, anna.send_text("Written after it"), contains="Added to your answer.")
        assert list((await stored_answers(runtime)).values()) == [{"text": "Written before the restart\n\nWritten after it"}]
        shown = await digest(cia)
        assert "Written before the restart" in shown and "Written after it" in shown


async def network_meeting_with_a_professional(emulator, runtime):
    cia = await make_coordinator(emulator, runtime, emulator.user(1, "Cia"))
    await act(cia, cia.send_command("new"))
    await act(cia, cia.send_text("Family D"))
    await act(cia, cia.press("Meetings during a placement"), contains="Network meeting")
    await act(cia, cia.press("Network meeting"))
    await act(cia, cia.send_text(tomorrow()))
    await act(cia, cia.send_text("14:30"))
    await act(cia, cia.send_text("Town hall"), contains="check")
    await act(cia, cia.press("Create the case"), contains="is ready")
    links = await invite_links(cia)
    lars = emulator.user(2, "Lars")
    await join(lars, links["professional"])
    return cia, lars


async def test_three_columns_resume_at_the_part_and_add_to_it_across_a_restart(emulator, database_url):
    async with running_bot(emulator, database_url) as runtime:
        cia, lars = await network_meeting_with_a_professional(emulator, runtime)
        await start_preparing(lars)
        await act(lars, lars.send_text("School absence"), contains="Saved")
        await act(lars, lars.press("Next part ▶"), contains="Part 2 of 3")
        await act(lars, lars.send_text("Good contact with the teacher"), contains="Saved")
        await act(lars, lars.press("⏸ Pause"), contains="Paused")
        resumed = await act(lars, lars.send_command("prep"), contains="Question 1 of")
        assert "Part 2 of 3" in resumed.text
    async with running_bot(emulator, database_url) as runtime:
        resumed = await act(lars, lars.send_command("prep"), contains="Question 1 of")
        assert "Part 2 of 3" in resumed.text  # where he paused, not part 1
        await act(lars, lars.send_text("and with the coach"), contains="Added to what you wrote in this part.")
        await act(lars, lars.press("Next part ▶"), contains="Part 3 of 3")
        await act(lars, lars.send_text("A plan for mornings"), contains="Saved")
        assert list((await stored_answers(runtime)).values()) == [{
            "worries": "School absence", "working": "Good contact with the teacher\n\nand with the coach",
            "next": "A plan for mornings"}]
        await act(lars, lars.press(button(lars, "✏ Start again")), contains="replaces what you wrote in this part")
        await act(lars, lars.send_text("Mornings, step by step"), contains="What you wrote in this part before was replaced.")
        assert list((await stored_answers(runtime)).values())[0]["next"] == "Mornings, step by step"
        shown = await digest(cia)
        assert "Good contact with the teacher\n\nand with the coach" in shown or (
            "Good contact with the teacher" in shown and "and with the coach" in shown)


async def test_skipping_the_last_question_reads_skipped_in_the_summary(emulator, bot):
    cia, (anna,) = await case_with(emulator, bot, "family member")
    await start_preparing(anna)
    while "Your answers" not in anna.last_bot_message.text:
        await act(anna, anna.press("Skip ▶"))
    summary = anna.last_bot_message.text
    assert "(not answered yet)" not in summary and summary.count("(skipped)") >= 3


async def test_in_danish_too_the_answer_is_added_to_and_the_reply_says_so(emulator, bot):
    cia, (anna,) = await case_with(emulator, bot, "family member")
    await anna.wait_for(lambda m: "You can prepare" in m.text, timeout=10)
    await act(anna, anna.send_command("language"), contains="Which language")
    await act(anna, anna.press("Dansk"), contains="dansk")
    await act(anna, anna.send_command("prep"), contains="Spørgsmål 1 ud af")
    await act(anna, anna.send_text("Morgenerne er svære."), contains="Gemt")
    await act(anna, anna.send_command("prep"), contains="Spørgsmål 1 ud af")
    await act(anna, anna.send_text("Aftenerne er rolige."), contains="Føjet til dit svar.")
    assert list((await stored_answers(bot)).values()) == [{"text": "Morgenerne er svære.\n\nAftenerne er rolige."}]
