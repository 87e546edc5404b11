"""Who is in the room follows the meeting model: a meeting of the
professionals lists only them, asks nothing about the absent child, and the
family is told afterwards, in their own language."""

from sqlalchemy import update

from bot.db.models import Person
from tests.auxil.people import act, invite_links, join, make_coordinator, tomorrow


async def test_a_samarbejdsmode_lists_the_professionals_and_the_family_is_told_in_danish(emulator, bot):
    cia = await make_coordinator(emulator, bot, emulator.user(1, "Cia"))
    await act(cia, cia.send_command("new"))
    await act(cia, cia.send_text("Familie J"))
    await act(cia, cia.press("Meetings during a placement"), contains="Meeting of the professionals")
    await act(cia, cia.press("Meeting of the professionals"))
    await act(cia, cia.send_text(tomorrow()))
    await act(cia, cia.send_text("14:30"))
    await act(cia, cia.send_text("Rådhuset"), contains="check")
    await act(cia, cia.press("Create the case"), contains="is ready")
    links = await invite_links(cia)
    people = {}
    for n, (name, role) in enumerate((("Mette", "family member"), ("Oliver", "child or young person"), ("Søren", "professional")), start=2):
        people[name] = emulator.user(n, name)
        await join(people[name], links[role])
    async with bot.sessionmaker() as session, session.begin():
        await session.execute(update(Person).where(Person.name == "Mette").values(language="da"))

    control = await act(cia, cia.send_command("meeting"), contains="Who is here?")
    assert "Søren" in control.text and "Mette" not in control.text and "Oliver" not in control.text
    assert "Only the professionals take part" in control.text
    await act(cia, cia.press("▫ Søren", message=control), contains="✅ Søren")
    started = await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of")
    assert "Why not?" not in started.text
    await act(cia, cia.press("⏹ End the meeting", message=control), contains="End the meeting now?")
    await act(cia, cia.press("Yes, end the meeting"), contains="The meeting has ended")
    mette, oliver = people["Mette"], people["Oliver"]
    told = await mette.wait_for(lambda m: "har holdt et møde uden jer" in (m.text or ""), timeout=10)
    assert "Din sagsbehandler fortæller dig" in told.text
    assert not any("without you" in (m.text or "") or "uden jer" in (m.text or "") for m in oliver.bot_messages)
    assert not any("uden jer" in (m.text or "") or "without you" in (m.text or "") for m in people["Søren"].bot_messages)
