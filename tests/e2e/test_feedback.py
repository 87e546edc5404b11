"""Feedback end to end: asked of the family and the child who were there when
the meeting ends, answered with numbers or faces, refused to anyone else,
the coordinator alerted when an answer is low or falls, and the results as
a chart with the numbers as text."""

import asyncio
import threading

from sqlalchemy import select

from bot.db.models import Feedback, Meeting
from tests.auxil.people import act, button, case_with_people
from tests.e2e.test_meeting import take_attendance
from tests.e2e.test_next_meeting import is_calendar

PEOPLE = [("Anna", "family member"), ("Kim", "child or young person"), ("Lars", "network member"), ("Pia", "family member")]


async def end_meeting(cia, *present):
    control = await take_attendance(cia, *present)
    await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of")
    await act(cia, cia.press("⏹ End the meeting", message=control), contains="End the meeting now?")
    await act(cia, cia.press("Yes, end the meeting"), contains="The meeting has ended")


async def answer(person, *presses, comment=None, after=None):
    """Answer the feedback from its notice (the first since `after` messages,
    as in `wait_for`): each press in turn, then a comment (or none), then send."""
    notice = await person.wait_for(lambda m: "How was the meeting for you?" in m.text and m.buttons, timeout=10, after=after)
    first = await act(person, person.press("✍️ Tell us how it was", message=notice), contains="Question 1 of")
    for label in presses:
        mark = person.mark()
        await person.press(label)
        # The next question, not just quiet: on a busy machine it may come later than a short pause.
        await person.wait_for(lambda m: bool(m.buttons), after=mark, timeout=10)
    if comment:
        await act(person, person.send_text(comment), contains="Saved")
    await act(person, person.press("✅ Send"), contains="sent to the coordinator")
    return first


async def test_the_family_tells_how_it_felt_and_the_coordinator_sees_results_and_alerts(emulator, bot):
    cia, (anna, kim, lars, pia) = await case_with_people(emulator, bot, PEOPLE)
    await end_meeting(cia, "Anna", "Kim", "Lars")

    notice = await anna.wait_for(lambda m: "How was the meeting for you?" in m.text, timeout=10)
    assert "Only the coordinator of your case sees your answers" in notice.text
    first = await answer(anna, "8", "9", "Skip ▶", "2", comment="It was <hard> & long " + "x" * 4980)  # Telegram splits it in two
    assert "0 means: not at all" in first.text
    alert = await cia.wait_for(lambda m: "Feedback to look at" in m.text, timeout=10)
    assert "Anna" in alert.text and "Overall: 2 of 10 (low)" in alert.text and "It was <hard> & long" in alert.text

    child = await kim.wait_for(lambda m: "How was the meeting for you?" in m.text, timeout=10)
    assert "tapping a face" in child.text
    question = await act(kim, kim.press("✍️ Tell us how it was", message=child), contains="Did the grown-ups listen to you?")
    assert [b.text for b in question.buttons[0]] == ["😢", "🙁", "😐", "🙂", "😄"]
    await act(kim, kim.send_text("good"), contains="tap one of the faces")
    await kim.wait_until_answered(timeout=10)
    for next_question in ("Question 2 of 3", "Question 3 of 3", "anything else"):
        await act(kim, kim.press("🙂"), contains=next_question)
    await act(kim, kim.press("✅ Send"), contains="sent to the coordinator")
    await cia.wait_for(lambda m: "Kim has told us how the meeting" in m.text, timeout=10)

    # Lars (network) is not asked; Pia was not there.
    assert not [m for m in lars.bot_messages if "How was the meeting for you?" in m.text]
    await act(lars, lars.send_command("feedback"), contains="I ask the family")
    await act(pia, pia.send_command("feedback"), contains="You were not at the meeting")
    async with bot.sessionmaker() as session:
        meeting_id = await session.scalar(select(Meeting.id))
    await pia.press_data(f"-|fb:go:{meeting_id}", pia.bot_messages[-1].message_id)
    await pia.wait_for(lambda m: "You were not at the meeting" in m.text, timeout=10)
    async with bot.sessionmaker() as session:
        rows = list(await session.scalars(select(Feedback)))
    assert len(rows) == 2 and all(r.submitted_at for r in rows)

    before = len(cia.messages)
    await cia.send_command("feedback")
    chart = await cia.wait_for(lambda m: m.photo is not None, after=before, timeout=20)
    assert "How the meetings felt: Family A" in chart.caption
    await cia.wait_for(lambda m: "Kim (child" in m.text, after=before, timeout=10)  # Anna's long words fill a message of their own
    numbers = "\n".join(m.text for m in cia.messages[before:] if m.from_bot)
    assert "2 answers" in numbers and numbers.count("x") >= 4980  # all of what she wrote
    assert "Anna (family member): Being heard 8, What mattered 9, The way of working –, Overall 2" in numbers
    assert "Kim (child or young person): Being heard 7.5, What mattered 7.5, Overall 7.5" in numbers
    assert "Being heard 7.8" in numbers  # (8 + 7.5) / 2, shown with one decimal


async def test_changing_answers_a_second_meeting_a_fall_and_a_closed_window(emulator, bot):
    cia, (anna,) = await case_with_people(emulator, bot, [("Anna", "family member")])
    await end_meeting(cia, "Anna")
    first_notice = await anna.wait_for(lambda m: "How was the meeting for you?" in m.text and m.buttons, timeout=10)
    first_button = first_notice.buttons[0][0].callback_data
    await answer(anna, "9", "9", "9", "9")
    await cia.wait_for(lambda m: "Anna has told us how the meeting" in m.text, timeout=10)
    again = await act(anna, anna.send_command("feedback"), contains="already told us")
    await act(anna, anna.press("Change my answers", message=again), contains="Question 1 of 4")
    await act(anna, anna.send_text("eleven"), contains="number from 0 to 10")
    await act(anna, anna.send_text("8"), contains="Question 2 of 4")

    # The next meeting is announced and held; the first one's feedback closes.
    draft = await act(cia, cia.send_command("next"), contains="The next meeting about")
    await act(cia, cia.press(button(cia, "📣 Send to"), message=draft), contains="on its way")
    await anna.wait_for(is_calendar, timeout=10)
    held = len(anna.messages)
    await end_meeting(cia, "Anna")
    await act(anna, anna.press_data(first_button, first_notice.message_id), contains="has passed")
    before = len(cia.messages)
    await answer(anna, "9", "5", "9", "8", after=held)  # "what mattered" falls from 9 to 5
    alert = await cia.wait_for(lambda m: "Feedback to look at" in m.text, after=before, timeout=10)
    assert "What mattered: 5 of 10, down from 9 last time" in alert.text and "Overall" not in alert.text

    before = len(cia.messages)
    await cia.send_command("feedback")
    await cia.wait_for(lambda m: m.photo is not None, after=before, timeout=20)
    numbers = await cia.wait_for(lambda m: "Average:" in m.text, after=before, timeout=10)
    assert numbers.text.count("1 answer") == 2  # a line for each meeting, newest first
    assert numbers.text.index("What mattered 5") < numbers.text.index("What mattered 9")


async def test_own_words_are_sealed_at_rest_and_read_back_for_the_coordinator(emulator, database_url):
    from cryptography.fernet import Fernet

    from tests.auxil.running import running_bot

    async with running_bot(emulator, database_url, encryption_key=Fernet.generate_key().decode()) as runtime:
        cia, (anna,) = await case_with_people(emulator, runtime, [("Anna", "family member")])
        await end_meeting(cia, "Anna")
        await answer(anna, "Skip ▶", "Skip ▶", "Skip ▶", "Skip ▶", comment="A very private sentence")
        async with runtime.sessionmaker() as session:
            stored = await session.scalar(select(Feedback.comment))
        assert stored.startswith("fernet:") and "private sentence" not in stored
        before = len(cia.messages)
        await cia.send_command("feedback")
        numbers = await cia.wait_for(lambda m: "Average:" in m.text, after=before, timeout=20)
        assert "A very private sentence" in numbers.text and "no numbers given" in numbers.text


async def test_someone_else_is_answered_while_a_chart_is_being_drawn(emulator, bot, monkeypatch):
    """A chart takes seconds to draw: it is drawn off the event loop, after the
    commit, so another person's reply does not wait for it (counted order:
    the reply arrives while the drawing is held back)."""
    import bot.pictures.feedback_chart as feedback_chart

    cia, (anna,) = await case_with_people(emulator, bot, [("Anna", "family member")])
    await end_meeting(cia, "Anna")
    await answer(anna, "9", "9", "9", "9")
    await cia.wait_for(lambda m: "Anna has told us how the meeting" in m.text, timeout=10)

    drawing, release, order = threading.Event(), threading.Event(), []
    real = feedback_chart.feedback_chart_png

    def held_back(*args, **kwargs):
        drawing.set()
        release.wait(15)  # on the event loop (as before), this stalls everyone for that long
        order.append("drawn")
        return real(*args, **kwargs)

    monkeypatch.setattr(feedback_chart, "feedback_chart_png", held_back)
    before = len(cia.messages)
    await cia.send_command("feedback")
    async with asyncio.timeout(30):  # a safety net, not a measure
        while not drawing.is_set():
            await asyncio.sleep(0.02)
    await act(anna, anna.send_command("help"), contains="/language")
    order.append("answered")
    release.set()
    chart = await cia.wait_for(lambda m: m.photo is not None, after=before, timeout=20)
    assert "How the meetings felt: Family A" in chart.caption
    assert order == ["answered", "drawn"]
