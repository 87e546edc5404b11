"""The agenda before the meeting and the roles the seeds name, end to end:
points a family proposes for a start-up meeting, accepted by the coordinator
and seen by everyone; a reflecting team member's turns in a systemic meeting."""

from sqlalchemy import select

from bot.db.models import AgendaPoint, PlanVersion
from tests.auxil.people import LINK, act, case_with_people, create_case, join, make_coordinator, tomorrow
from tests.e2e.test_erasure import forget


async def prepare_to_discuss(person, words: str, *, only_coordinator: bool = False):
    """Skip to the start-up meeting's question for the family "What do you want to talk about", and answer it.
    It is the second: whom to invite was asked on its own when they joined."""
    notice = await person.wait_for(lambda m: "You can prepare for it now" in m.text, timeout=10)
    await act(person, person.press("Start preparing ▶", message=notice), contains="Question 1 of")
    question = await act(person, person.press("Skip ▶"), contains="Question 2 of")
    assert "What do you want to talk about at the meeting?" in question.text
    if only_coordinator:
        await act(person, person.press("👁 Change who sees it"), contains="Who may see")
        await act(person, person.press("only the coordinator"), contains="Saved:")
    await act(person, person.send_text(words), contains="Saved")
    await act(person, person.press("⏸ Pause"), contains="Paused")


async def test_the_familys_points_are_accepted_by_the_coordinator_and_seen_by_everyone(emulator, bot):
    cia, (anna, jonas, aino) = await case_with_people(
        emulator, bot, [("Anna", "family member"), ("Jonas", "family member"), ("Aino", "professional")],
        model_button="Start-up meeting")
    await prepare_to_discuss(anna, "Mornings before school <and> the bus")
    await prepare_to_discuss(jonas, "My drinking, which Anna worries about", only_coordinator=True)

    overview = await act(cia, cia.send_command("prep"), contains="Preparation for")
    assert any(b.text == "🗒 Points for the meeting (2 new)" for row in overview.buttons for b in row)
    first = await act(cia, cia.press("🗒 Points for the meeting (2 new)", message=overview), contains="Proposed by")
    assert "Mornings before school <and> the bus" in first.text and "2 proposals are still open." in first.text
    second = await act(cia, cia.press("✅ Accept as written", message=first), contains="Proposed by Jonas")
    assert "1. Mornings before school <and> the bus" in second.text
    assert "Jonas shared this only with you" in second.text  # an accepted point is seen by everyone
    await act(cia, cia.press("✏ Write it as a short point", message=second), contains="in one short line")
    await act(cia, cia.send_text("x" * 201), contains="Yours has 201")
    done = await act(cia, cia.send_text("How the evenings are shared at home"), contains="All proposals are gone through.")
    assert "2. How the evenings are shared at home" in done.text
    await act(cia, cia.press("📣 Send the points to everyone", message=done), contains="I have sent the points to 3 people.")
    for person in (anna, jonas, aino):
        points = await person.wait_for(lambda m: "Points for the meeting" in m.text, timeout=10)
        assert "1. Mornings before school <and> the bus\n2. How the evenings are shared at home" in points.text
        assert "My drinking" not in " ".join(m.text for m in person.bot_messages if person is not jonas)

    # The points are stored sealed, and open for the meeting's first step.
    async with bot.sessionmaker() as session:
        rows = list(await session.scalars(select(AgendaPoint).order_by(AgendaPoint.id)))
    assert [r.status for r in rows] == ["accepted", "accepted"]
    assert "evenings" not in rows[1].text and bot.engine.sealer.open(rows[1].text) == "How the evenings are shared at home"

    control = await act(cia, cia.send_command("meeting"), contains="Who is here?")
    for name in ("Anna", "Jonas", "Aino"):
        await act(cia, cia.press(f"▫ {name}", message=control), contains=f"✅ {name}")
    started = await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of 6")
    assert "How the evenings are shared at home" in started.text
    first_step = await aino.wait_for(lambda m: "Now: Our agenda" in m.text, timeout=10)
    assert "1. Mornings before school <and> the bus" in first_step.text
    await act(cia, cia.press("⏹ End the meeting", message=control), contains="End the meeting now?")
    await act(cia, cia.press("Yes, end the meeting"), contains="The meeting has ended")
    plan = await anna.wait_for(lambda m: "The plan for" in m.text, timeout=10)
    assert "Points for the meeting" in plan.text and "How the evenings are shared at home" in plan.text
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(PlanVersion.id)) is not None

    # Jonas erases himself: the point he proposed goes with him.
    await forget(jonas)
    async with bot.sessionmaker() as session:
        rows = list(await session.scalars(select(AgendaPoint)))
    assert len(rows) == 1 and bot.engine.sealer.open(rows[0].text) == "Mornings before school <and> the bus"


async def test_a_reflecting_team_member_listens_then_reflects_in_a_systemic_meeting(emulator, bot):
    cia = await make_coordinator(emulator, bot, emulator.user(1, "Cia"))
    await create_case(cia, date=tomorrow())
    before = len(cia.messages)
    await cia.send_command("invite")
    team_link = await cia.wait_for(lambda m: m.photo is not None and "reflecting team member" in (m.caption or ""),
                                   after=before, timeout=15)
    family = await cia.wait_for(lambda m: m.photo is not None and "family member" in (m.caption or ""), after=before, timeout=15)
    anna, tove = emulator.user(2, "Anna"), emulator.user(3, "Tove")
    await join(anna, LINK.search(family.caption).group(0))
    await join(tove, LINK.search(team_link.caption).group(0))
    assert "reflecting team member" in " ".join(m.text for m in tove.bot_messages)
    notice = await tove.wait_for(lambda m: "You can prepare for it now" in m.text, timeout=10)
    first = await act(tove, tove.press("Start preparing ▶", message=notice), contains="Question 1 of 1")
    assert "What do you want to listen for" in first.text
    intro = " ".join(m.text for m in tove.bot_messages)
    assert "3. What the others heard: you speak" in intro and "2. The family's thoughts: you listen" in intro

    control = await act(cia, cia.send_command("meeting"), contains="Who is here?")
    for name in ("Anna", "Tove"):
        await act(cia, cia.press(f"▫ {name}", message=control), contains=f"✅ {name}")
    await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of 7")
    await act(cia, cia.press("Next step ▶", message=control), contains="Step 2 of 7")
    listening = await tove.wait_for(lambda m: "Now: The family's thoughts" in m.text, timeout=10)
    assert "time to listen" in listening.text and "Keep your thoughts for the next part" in listening.text
    await act(cia, cia.press("Next step ▶", message=control), contains="Step 3 of 7")
    turn = await tove.wait_for(lambda m: "It is your turn to speak now" in m.text, timeout=10)
    assert "offer your thoughts as possibilities" in turn.text
    await anna.wait_for(lambda m: "Now: What the others heard" in m.text and "time to listen" in m.text, timeout=10)
    await act(cia, cia.press("Next step ▶", message=control), contains="Step 4 of 7")
    again = await tove.wait_for(lambda m: "Now: Back to the family" in m.text, timeout=10)
    assert "time to listen" in again.text and "What they choose to pick up matters more" in again.text
