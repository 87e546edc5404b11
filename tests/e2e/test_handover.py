"""A case outlives its coordinator's job: handed over mid-preparation in the
bot, shared with a second coordinator, and, after the operator removed the
only coordinator, handed over by the operator. Nothing is lost; only the
case's coordinators see it or its trail."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.cli import EXIT_FAILED
from bot.db.models import Answer, Case, CaseCoordinator, Person
from tests.auxil.people import act, invite_links, join, make_coordinator
from tests.auxil.running import env_for
from tests.bot.test_startup import meetbot
from tests.e2e.test_preparation import case_with, start_preparing


async def coordinators_of_the_case(bot) -> tuple[int, list[str]]:
    async with bot.sessionmaker() as session:
        case = await session.scalar(select(Case))
        lead = await session.get(Person, case.coordinator_id) if case.coordinator_id else None
        names = list(await session.scalars(select(Person.name).join(CaseCoordinator, CaseCoordinator.person_id == Person.id)
                                           .where(CaseCoordinator.case_id == case.id).order_by(CaseCoordinator.id)))
    return (lead.name if lead else None), names


async def hand_over(cia, whom: str, *, add: bool = False):
    await act(cia, cia.send_command("handover"), contains="What do you want to do?")
    if add:
        await act(cia, cia.press("➕ Add a coordinator beside me"), contains="Who do you want to coordinate")
        await act(cia, cia.press(whom), contains=f"Add {whom} as a coordinator of Family A?")
        return await act(cia, cia.press("Yes, add them"), contains="Done")
    await act(cia, cia.press("🤝 Hand the case over"), contains="To whom do you want to hand Family A over?")
    await act(cia, cia.press(whom), contains=f"Hand Family A over to {whom}?")
    return await act(cia, cia.press("Yes, hand it over"), contains="Done")


async def test_a_case_handed_over_mid_preparation_goes_on(emulator, bot):
    cia, (anna,) = await case_with(emulator, bot, "family member")
    dan = await make_coordinator(emulator, bot, emulator.user(9, "Dan"))
    await start_preparing(anna)
    await act(anna, anna.send_text("The mornings are hard."), contains="Saved")
    overview = await act(cia, cia.send_command("prep"), contains="Preparation for")

    await hand_over(cia, "Dan")
    await dan.wait_for(lambda m: "Cia has handed Family A over to you" in m.text, timeout=10)
    told = await anna.wait_for(lambda m: "From now on Dan is your coordinator for Family A" in m.text, timeout=10)
    assert "taking over from Cia" in told.text
    assert await coordinators_of_the_case(bot) == ("Dan", ["Dan"])

    # Anna's preparation goes on where she was.
    await act(anna, anna.press("Next ▶"), contains="Question 2 of")
    while "Your answers" not in anna.last_bot_message.text:
        await act(anna, anna.press("Skip ▶"))
    await act(anna, anna.press("✅ Done"), contains="Thank you")
    async with bot.sessionmaker() as session:
        assert len(list(await session.scalars(select(Answer)))) >= 1

    # Dan sees the digest; Cia no longer does, not even with her old button.
    await act(dan, dan.send_command("prep"), contains="Preparation for")
    digest = await act(dan, dan.press("📋 Shared answers by question"), contains="Shared answers")
    assert "The mornings are hard." in digest.text
    await act(cia, cia.send_command("prep"), contains="You have no open cases")
    await cia.press_data(overview.buttons[0][0].callback_data, overview.message_id)
    await act(cia, cia.send_command("meetings"), contains="no open cases")  # answered after the press
    assert "The mornings are hard." not in " ".join(m.text for m in cia.bot_messages)
    refused = await act(cia, cia.send_command("audit"), contains="no cases")
    assert "Family A" not in refused.text

    # The trail says so, by name, in Dan's view.
    trail = await act(dan, dan.send_command("audit"), contains="What has happened in Family A")
    assert "Cia handed the case over to Dan" in trail.text and "Anna joined the case (family member)" in trail.text
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d · Dan viewed what people shared for the meeting on \d\d/\d\d/\d{4} 14:30",
                     trail.text)
    assert "mornings" not in trail.text  # never what anyone wrote
    assert trail.text.index("created the case") < trail.text.index("handed the case over")  # newest last


async def test_a_second_coordinator_works_beside_the_first(emulator, bot):
    cia, (anna,) = await case_with(emulator, bot, "family member")
    eva = await make_coordinator(emulator, bot, emulator.user(9, "Eva"))
    await hand_over(cia, "Eva", add=True)
    await eva.wait_for(lambda m: "Cia has added you as a coordinator of Family A" in m.text, timeout=10)
    await anna.wait_for(lambda m: "Eva now coordinates Family A together with Cia" in m.text, timeout=10)
    assert await coordinators_of_the_case(bot) == ("Cia", ["Cia", "Eva"])
    for coordinator in (cia, eva):
        await act(coordinator, coordinator.send_command("prep"), contains="Preparation for")
    # Both hear what happens in the case: Eva's invite link, and Cia is told of the newcomer too.
    kim = emulator.user(7, "Kim")
    await join(kim, (await invite_links(eva))["network member"])
    for coordinator in (cia, eva):
        await coordinator.wait_for(lambda m: "Kim has joined Family A as network member" in m.text, timeout=10)
    trail = await act(eva, eva.send_command("audit"), contains="What has happened in Family A")
    assert "Cia added Eva as a coordinator of the case" in trail.text
    # Anna is not a coordinator: she is refused the trail and the handover; a forged press changes nothing.
    await act(anna, anna.send_command("audit"), contains="Only a case's coordinators can see its trail.")
    await act(anna, anna.send_command("handover"), contains="Only a case's coordinators can hand it over")
    async with bot.sessionmaker() as session:
        cia_id = await session.scalar(select(Person.id).where(Person.name == "Cia"))
    await anna.press_data("1|handover:yes", anna.bot_messages[-1].message_id)
    await anna.press_data(f"1|handover:to:{cia_id}", anna.bot_messages[-1].message_id)
    await act(anna, anna.send_command("meetings"), contains="Family A")
    assert await coordinators_of_the_case(bot) == ("Cia", ["Cia", "Eva"])


async def test_the_operator_removes_a_coordinator_and_hands_the_orphaned_case_over(emulator, bot, database_url):
    cia, (anna,) = await case_with(emulator, bot, "family member")
    env = env_for(emulator, database_url)

    removed = await meetbot("coordinator-remove", "Cia", env=env)
    assert removed.returncode == 0, removed.stderr
    assert "Cia is no longer a coordinator" in removed.stdout and "(Family A)" in removed.stdout
    await cia.wait_for(lambda m: "Your coordinator rights in this bot have ended" in m.text, timeout=10)
    await act(cia, cia.send_command("new"), contains="Only coordinators can create cases")
    await act(cia, cia.send_command("audit"), contains="Only a case's coordinators can see its trail.")
    await act(cia, cia.send_command("handover"), contains="Only a case's coordinators can hand it over")
    assert await coordinators_of_the_case(bot) == (None, [])

    listed = await meetbot("coordinators", env=env)
    assert listed.returncode == 0 and "Cia" in listed.stdout and "removed" in listed.stdout
    assert "Open cases without a coordinator:" in listed.stdout and "last coordinator: Cia" in listed.stdout
    refused = await meetbot("handover", "--case", "Family A", "--to", "Cia", env=env)
    assert refused.returncode == EXIT_FAILED and "no active coordinator" in refused.stderr

    dan = await make_coordinator(emulator, bot, emulator.user(9, "Dan"))
    done = await meetbot("handover", "--case", "Family A", "--to", "Dan", env=env)
    assert done.returncode == 0, done.stderr
    await dan.wait_for(lambda m: "Family A has been handed over to you" in m.text, timeout=10)
    await anna.wait_for(lambda m: "From now on Dan is your coordinator for Family A" in m.text, timeout=10)
    assert await coordinators_of_the_case(bot) == ("Dan", ["Dan"])
    await act(dan, dan.send_command("prep"), contains="Preparation for")
    listed = await meetbot("coordinators", env=env)
    assert "without a coordinator" not in listed.stdout and "active  1 case(s)" in listed.stdout

    trail = (await meetbot("audit", "--case", "Family A", env=env)).stdout
    assert "the operator: removed the coordinator rights of Cia" in trail
    assert "the operator: handed the case over to Dan" in trail
