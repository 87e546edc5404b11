"""Continuity end to end: a SIP follow-up whose preparation asks how the plan's
goal is going; the coordinator sees it in /prep and at the goals step, and the
new plan records the goal's progress."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from bot.db.models import Answer, Meeting, PlanVersion, Task
from bot.purge import purge_with
from tests.auxil.people import act, button, case_with_people
from tests.e2e.test_meeting import take_attendance
from tests.e2e.test_next_meeting import announce
from tests.e2e.test_plan import SIP, choose, control_of, next_step
from tests.e2e.test_tasks import add_task

GOAL = "Kim ska trivas i skolan & <sova>"


async def start_follow_up_preparation(person, meeting_id):
    # Found by its button, not by its place in the chat: under load the first meeting's own
    # notice can still be on its way when the follow-up is announced.
    start = f"-|prep:go:{meeting_id}"
    notice = await person.wait_for(lambda m: any(b.callback_data == start for row in m.buttons for b in row),
                                   after=0, timeout=20)
    return await act(person, person.press("Start preparing ▶", message=notice), contains="Question 1 of")


async def test_a_follow_ups_preparation_records_how_a_goal_is_going_and_the_new_plan_records_it(emulator, bot):
    cia, (anna, kim, aino) = await case_with_people(emulator, bot, [
        ("Anna", "family member"), ("Kim", "child or young person"), ("Aino", "professional")], model_button=SIP)

    # The first meeting: a goal with its scale, and an action each for Aino and Anna.
    control = await take_attendance(cia, "Anna", "Kim", "Aino")
    await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of 8")
    for step in range(2, 7):
        await next_step(cia, step)
    await act(cia, cia.press("🎯 Goals", message=control_of(cia)), contains="Goals")
    await choose(cia, "➕ Add a goal", contains="Write the goal")
    await act(cia, cia.send_text(GOAL + "\n- gå till skolan varje dag"), contains="Where are we now")
    await choose(cia, "3", contains="Where do we want to be")
    await choose(cia, "8", contains="Now 3 of 10")
    await choose(cia, "✅ Done", contains="Step 6 of 8")
    await add_task(cia, control_of(cia), "Utreda sömnen", ["Aino"], goal="1. Kim ska trivas i skolan & <sova>")
    await add_task(cia, control_of(cia), "Ringa skolan", ["Anna"])
    await act(cia, cia.press("⏹ End the meeting", message=control_of(cia)), contains="End the meeting now?")
    await act(cia, cia.press("Yes, end the meeting"), contains="version 1")

    # The follow-up is announced and its preparation opened now.
    await announce(cia)
    async with bot.sessionmaker() as session:
        follow_up = await session.scalar(select(Meeting.id).order_by(Meeting.starts_at.desc()).limit(1))
    overview = await act(cia, cia.send_command("prep"), contains="Preparation for Family A")
    await act(cia, cia.press("▶ Open preparation now", message=overview), contains="Preparation is open now")

    # Anna: the actions with who answers for them, hers with its buttons, then the goal.
    first = await start_follow_up_preparation(anna, follow_up)
    intro = next(m for m in anna.bot_messages if "Last time you agreed" in m.text)
    assert "• Utreda sömnen – Aino, by" in intro.text and "• Ringa skolan – Anna, by" in intro.text
    assert "First, the goals from your plan" in intro.text
    mine = next(m for m in anna.bot_messages if "You answer for this" in m.text)
    assert "Ringa skolan" in mine.text
    assert GOAL in first.text and "gå till skolan varje dag" in first.text and "Now 3 of 10" in first.text
    await act(anna, anna.send_text("rätt bra"), contains="Please choose a number from 0 to 10")
    await act(anna, anna.press("6"), contains="a few words")
    await act(anna, anna.send_text("Morgnarna är <lugnare> & hon äter frukost"), contains="Saved")
    await act(anna, anna.press("Next ▶"), contains="Question 2 of")
    await act(anna, anna.press("⏸ Pause"), contains="Paused")
    await act(anna, anna.press("✅ Done", message=mine), contains="Well done")  # her action, with the task's own button
    await cia.wait_for(lambda m: "Anna has done the task" in m.text, timeout=10)

    # Kim keeps his number to himself; Aino, who answers for an action, is asked too.
    await start_follow_up_preparation(kim, follow_up)
    assert "0 😟 means not good at all" in kim.last_bot_message.text
    await act(kim, kim.press("2"), contains="a few words")
    await act(kim, kim.press("👁 Change who sees it"), contains="Who may see")
    await act(kim, kim.press("only you (a note for yourself)"), contains="will see your answer")
    await act(kim, kim.send_text("Skolan är jobbig"), contains="Saved")
    await start_follow_up_preparation(aino, follow_up)
    await act(aino, aino.press("8"), contains="a few words")

    # The coordinator's digest: each person's number and words, never what was kept private.
    await act(cia, cia.send_command("prep"), contains="Preparation for Family A")
    digest = await act(cia, cia.press("📋 Shared answers by question"), contains="Shared answers")
    assert f"🎯 How is it going: {GOAL}" in digest.text
    assert "Anna (family member): 6 of 10 – Morgnarna är <lugnare> & hon äter frukost" in digest.text
    assert "Aino (professional): 8 of 10" in digest.text
    assert "Kim (child" not in digest.text and "2 of 10" not in digest.text and "Skolan är jobbig" not in digest.text

    # Stored per person per goal, sealed, with each one's choice of who sees it.
    async with bot.sessionmaker() as session:
        rows = list(await session.scalars(select(Answer).where(Answer.question_id.like("goal:%"))))
        task = await session.scalar(select(Task).where(Task.status == "done"))
    sealer = bot.engine.sealer
    stored = {(r.person_id, r.visibility): json.loads(sealer.open(r.content)) for r in rows}
    assert sorted(v["scale"] for v in stored.values()) == [2, 6, 8]
    assert {"scale": 2, "text": "Skolan är jobbig"} in [v for (_pid, vis), v in stored.items() if vis == "private"]
    assert sealer.active and all("Skolan" not in r.content and '"scale"' not in r.content for r in rows)  # sealed at rest
    assert task is not None  # Anna's "done" went to her task

    # The follow-up meeting: the goal with how it is going; the coordinator takes its new "now" from it.
    control = await take_attendance(cia, "Anna", "Kim", "Aino")
    await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of 8")
    for step in range(2, 7):
        await next_step(cia, step)
    goals = await act(cia, cia.press("🎯 Goals", message=control_of(cia)), contains=GOAL)
    assert "📣 How it is going, from preparation: Anna 6, Aino 8 (average 7)" in goals.text and "Kim 2" not in goals.text
    await cia.press(next(b.text for row in goals.buttons for b in row if b.text.startswith("1.")), message=goals)
    menu = await cia.wait_for(lambda m: "📣 Now 7 of 10, from preparation" in str(m.buttons), timeout=10)
    assert "Morgnarna är <lugnare>" in menu.text and "Skolan är jobbig" not in menu.text
    await choose(cia, "📣 Now 7 of 10, from preparation", contains="Now 7 of 10")
    await choose(cia, "✅ Done", contains="Step 6 of 8")
    await act(cia, cia.press("⏹ End the meeting", message=control_of(cia)), contains="End the meeting now?")
    await act(cia, cia.press("Yes, end the meeting"), contains="version 2")
    second = await anna.wait_for(lambda m: "version 2" in m.text, timeout=10)
    assert "Now 7 of 10" in second.text
    async with bot.sessionmaker() as session:
        latest = await session.scalar(select(PlanVersion).order_by(PlanVersion.number.desc()).limit(1))
        goal = json.loads(sealer.open(latest.content))["goals"][0]
    assert goal["now"] == 7 and goal["wanted"] == 8 and goal["text"].startswith(GOAL)

    # Closing the case and its erasure after the retention time take these answers with it.
    await act(cia, cia.send_command("close"), contains="Close")
    await act(cia, cia.press(button(cia, "Yes, close")), contains="is closed")
    await purge_with(bot.sessionmaker, retention_days=30, now=datetime.now(timezone.utc) + timedelta(days=31))
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Answer).where(Answer.question_id.like("goal:%"))) == 0
