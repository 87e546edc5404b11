"""People without Telegram end to end: a grandmother and a child added by
the coordinator, marked present and absent (the child's absence needs a
reason), the grandmother answering for an action (the coordinator is
reminded in her place), both named in the plan and its PDF, her agreement
recorded on paper and shown, her copy of the PDF sent to the coordinator,
one removed from the case and the rest erased with it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.db.models import AuditEntry, Case, OfflineAgreement, OfflineMember, OfflineTaskOwner, Task
from bot.purge import erase_case
from tests.auxil.people import act, case_with_people
from tests.e2e.test_meeting import take_attendance
from tests.e2e.test_plan import flat, pdf_text
from tests.e2e.test_tasks import add_task

GRANDMA = "Aino <mormor>"


async def add_without_telegram(cia, name: str, role: str, organisation: str | None = None):
    menu = await act(cia, cia.send_command("invite"), contains="Without Telegram")
    await act(cia, cia.press("👤 Add someone without Telegram", message=menu), contains="What is their name?")
    await act(cia, cia.send_text("x" * 5000), contains="at most 60 characters")
    await act(cia, cia.send_text(f"  {name}  "), contains="part in the meetings?")
    await act(cia, cia.press(role), contains="act for an organisation")
    if organisation:
        await act(cia, cia.send_text(organisation), contains="without Telegram")
    else:
        await act(cia, cia.press("Skip"), contains="without Telegram")


async def count(bot, model) -> int:
    async with bot.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_people_without_telegram_take_part_own_an_action_agree_on_paper_and_are_erased(emulator, bot):
    cia, (anna,) = await case_with_people(emulator, bot, [("Anna", "family member")])
    await add_without_telegram(cia, GRANDMA, "family member")
    await add_without_telegram(cia, "Kim", "child or young person")
    listed = await act(cia, cia.send_command("invite"), contains="Without Telegram")
    assert GRANDMA in listed.text and "Kim (child or young person)" in listed.text

    # Attendance: the grandmother is here, Kim (a child, also without Telegram) is not: a reason is asked.
    control = await take_attendance(cia, "Anna", GRANDMA)
    await act(cia, cia.press("▶ Start the meeting", message=control), contains="Kim is not here. Why not?")
    await act(cia, cia.send_text("Kim är på skolresa"), contains="Step 1 of")
    control = next(m for m in reversed(cia.bot_messages) if any(b.text == "📝 Add a task" for row in m.buttons for b in row))
    control = await add_task(cia, control, "Hämta Kim på fredagar", [GRANDMA])
    await act(cia, cia.press("⏹ End the meeting", message=control), contains="End the meeting now?")
    await act(cia, cia.press("Yes, end the meeting"), contains="The meeting has ended")

    # Her copy (and Kim's) comes to the coordinator to print and hand over, with the PDF.
    await cia.wait_for(lambda m: f"This is {GRANDMA}'s copy of the plan" in m.text and "/plan" in m.text, timeout=10)
    await cia.wait_for(lambda m: "This is Kim's copy of the plan" in m.text, timeout=10)
    for _ in range(200):  # the PDFs are drawn off the event loop: wait until all three have come
        documents = [m for m in cia.bot_messages if m.document is not None]
        if len(documents) >= 3:  # the coordinator's own copy and the two to hand over
            break
        await asyncio.sleep(0.1)
    assert len(documents) == 3
    text = flat(pdf_text(documents[-1]))
    for expected in (GRANDMA, "Kim", "Kim är på skolresa", "Hämta Kim på fredagar", "without Telegram"):
        assert expected in text, expected
    plan_anna = await anna.wait_for(lambda m: "The plan for Family A" in m.text, timeout=10)
    assert GRANDMA in plan_anna.text

    # Agreed on paper, recorded by the coordinator, with the date; shown in /plan and its PDF.
    shown = await act(cia, cia.send_command("plan"), contains="The plan for Family A")
    assert f"{GRANDMA}: has not answered yet" in shown.text
    await act(cia, cia.press("🖊 Record an answer given on paper", message=shown), contains="Whose answer")
    await act(cia, cia.press(GRANDMA), contains=f"What did {GRANDMA} answer")
    await act(cia, cia.press("✅ Agreed on paper"), contains="On which day")
    await act(cia, cia.send_text("next year"), contains="couldn't read that as a date")
    await act(cia, cia.press("Today"), contains=f"{GRANDMA} agreed to the plan on paper")
    before = len(cia.messages)
    shown = await act(cia, cia.send_command("plan"), contains="The plan for Family A")
    assert f"{GRANDMA}: agreed on paper (" in shown.text
    document = await cia.wait_for(lambda m: m.document is not None, after=before, timeout=20)
    assert "agreed on paper" in flat(pdf_text(document))

    # The action's reminder comes to the coordinator, naming her.
    async with bot.sessionmaker() as session:
        due = await session.scalar(select(Task.due_at))
    soon = due - timedelta(days=1)
    bot.scheduler.clock = bot.sender.clock = lambda: soon
    bot.scheduler.wake()
    await cia.wait_for(lambda m: f"For {GRANDMA} (without Telegram), a reminder: Hämta Kim på fredagar" in m.text, timeout=10)

    # Kim is removed from the case; the rest goes with the case.
    menu = await act(cia, cia.send_command("invite"), contains="Without Telegram")
    await act(cia, cia.press("✖ Remove Kim", message=menu), contains="Remove Kim from Family A?")
    await act(cia, cia.press("Yes, remove"), contains="Kim is removed")
    async with bot.sessionmaker() as session:
        assert list(await session.scalars(select(OfflineMember.name))) == [GRANDMA]
        actions = set(await session.scalars(select(AuditEntry.action)))
        case_id = await session.scalar(select(Case.id))
    assert {"added_offline", "removed_offline", "plan_paper_agree"} <= actions
    assert await count(bot, OfflineTaskOwner) == 1 and await count(bot, OfflineAgreement) == 1
    await erase_case(bot.sessionmaker, case_id)
    for model in (OfflineMember, OfflineTaskOwner, OfflineAgreement):
        assert await count(bot, model) == 0
