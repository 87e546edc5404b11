"""The family decides who is invited, end to end against the emulator: in a
family group conference the guardian proposes two people when she joins, the
coordinator asks them, one says yes and one says no, the one who said yes gets
her own link and joins through it, the list shows her joined and then
prepared, the family sees the yes and not the no, and the names are sealed at
rest and erased with the case."""

from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy import func, select

from bot.db.models import Case, Proposal
from bot.purge import erase_case
from tests.auxil.people import LINK, act, create_case, invite_links, join, make_coordinator, tomorrow
from tests.auxil.running import running_bot
from tests.e2e.test_preparation import start_preparing

AINO = "Aino <mormor> & co"


async def propose(anna, name: str, relation: str | None):
    await act(anna, anna.send_text(name), contains="know the child")
    if relation is None:
        return await act(anna, anna.press("Skip"), contains="is on the list")
    return await act(anna, anna.send_text(relation), contains="is on the list")


async def test_the_familys_proposals_become_invitations_the_coordinator_works_through(emulator, database_url):
    key = Fernet.generate_key().decode()
    async with running_bot(emulator, database_url, encryption_key=key) as runtime:
        cia = await make_coordinator(emulator, runtime, emulator.user(1, "Cia"))
        await create_case(cia, model_button="Family group conference", date=tomorrow())
        links = await invite_links(cia)
        nudge = next(m for m in cia.bot_messages if "The family decides who is invited" in m.text)
        assert "/proposals" in nudge.text

        # Anna, a guardian, is asked on her own when she joins, before the network is invited.
        anna = emulator.user(2, "Anna")
        await join(anna, links["family member"])
        asked = await anna.wait_for(lambda m: "who could be invited" in m.text, timeout=10)
        assert "You decide who is invited" in asked.text
        await act(anna, anna.press("➕ Suggest someone", message=asked), contains="What is the person's name?")
        await act(anna, anna.send_text("x" * 5000), contains="at most 100 characters")
        await propose(anna, AINO, "Mormor, hämtar på fredagar")
        await act(anna, anna.press("➕ Suggest someone else"), contains="What is the person's name?")
        await propose(anna, "Lena", None)
        await act(anna, anna.press("✔ That's everyone for now"), contains="who has said yes")
        told = await cia.wait_for(lambda m: "suggests inviting Lena" in m.text, timeout=10)
        assert "/proposals" in told.text

        async with runtime.sessionmaker() as session:
            stored = list(await session.scalars(select(Proposal.name)))
        assert len(stored) == 2 and all(s.startswith("fernet:") and "Aino" not in s for s in stored)

        # The coordinator works through the list, person by person.
        listed = await act(cia, cia.send_command("proposals"), contains="Who the family suggests")
        assert f"{AINO} – ⬜ not asked yet" in listed.text and "Lena – ⬜ not asked yet" in listed.text
        card = await act(cia, cia.press(AINO, message=listed), contains="How they know the child")
        assert "Mormor, hämtar på fredagar" in card.text and "Suggested by Anna" in card.text
        await act(cia, cia.press("📞 I have asked them"), contains="asked, waiting for an answer")
        await act(cia, cia.press("✅ They said yes"), contains="said yes, no link yet")
        good_news = await anna.wait_for(lambda m: "Good news" in m.text, timeout=10)
        assert AINO in good_news.text
        before = len(cia.messages)
        await act(cia, cia.press("🔗 Make their invite link"), contains="link sent")
        link_message = next(m for m in cia.messages[before:] if m.photo is not None)
        assert f"{AINO}'s own invite link" in link_message.caption
        aino_link = LINK.search(link_message.caption).group(0)
        listed = await act(cia, cia.press("⬅ Back to the list"), contains="Who the family suggests")
        await act(cia, cia.press("Lena", message=listed), contains="Now:")
        await act(cia, cia.press("📞 I have asked them"), contains="asked, waiting")
        await act(cia, cia.press("❌ They said no"), contains="❌ said no")

        # Aino joins through her own link: the list says so by itself.
        aino = emulator.user(3, "Aino")
        await join(aino, aino_link, name="Aino")
        listed = await act(cia, cia.send_command("proposals"), contains="Who the family suggests")
        assert f"{AINO} – 👋 joined" in listed.text and "Lena – ❌ said no" in listed.text
        # The link was hers alone.
        stranger = emulator.user(4, "Someone")
        await act(stranger, stranger.open_link(aino_link), contains="already been used")

        # Her preparation done, she is "prepared".
        await start_preparing(aino)
        while "Your answers" not in aino.last_bot_message.text:
            await act(aino, aino.press("Skip ▶"))
        await act(aino, aino.press("✅ Done"), contains="Thank you")
        listed = await act(cia, cia.send_command("proposals"), contains="Who the family suggests")
        assert f"{AINO} – 🌟 joined and prepared" in listed.text

        # The family sees the yes, not the no.
        own = await act(anna, anna.send_command("proposals"), contains="Who is invited")
        assert f"💚 {AINO} has said yes" in own.text
        assert "Lena: the coordinator is in touch" in own.text and "cannot come" not in own.text
        assert not any("Lena" in m.text and "cannot" in m.text for m in anna.bot_messages)

        # Gone with the case.
        async with runtime.sessionmaker() as session:
            case_id = await session.scalar(select(Case.id))
        await erase_case(runtime.sessionmaker, case_id)
        async with runtime.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(Proposal)) == 0


async def test_the_childs_wish_is_marked_and_goes_when_the_child_erases_themselves(emulator, bot):
    from tests.e2e.test_erasure import forget

    cia = await make_coordinator(emulator, bot, emulator.user(1, "Cia"))
    await create_case(cia, model_button="Family group conference", date=tomorrow())
    links = await invite_links(cia)
    kim = emulator.user(2, "Kim")
    await join(kim, links["child or young person"])
    asked = await kim.wait_for(lambda m: "Who would you like to be at the meeting?" in m.text, timeout=10)
    await act(kim, kim.send_text("Moa"), contains="Please use the buttons")
    await act(kim, kim.press("➕ Suggest someone", message=asked), contains="What is the person's name?")
    await act(kim, kim.send_text("Moa <3"), contains="How do you know Moa <3?")
    await act(kim, kim.send_text("z" * 5000), contains="shorter than 300 characters")
    await act(kim, kim.send_text("My best friend"), contains="is on the list")
    await cia.wait_for(lambda m: "Kim, the child, would like Moa <3" in m.text, timeout=10)
    listed = await act(cia, cia.send_command("proposals"), contains="Who the family suggests")
    assert "Moa <3 – ⬜ not asked yet (the child's wish)" in listed.text
    card = await act(cia, cia.press("Moa <3", message=listed), contains="Suggested by Kim, the child")
    # The coordinator's button, sent from the child's chat by a modified client, changes nothing.
    yes = next(b.callback_data for row in card.buttons for b in row if b.text == "✅ They said yes")
    await kim.press_data(yes, kim.last_bot_message.message_id)
    await kim.wait_until_answered(timeout=5)
    assert kim.callback_answers[-1]
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(Proposal.status)) == "proposed"

    await forget(kim)
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Proposal)) == 0
    listed = await act(cia, cia.send_command("proposals"), contains="Who the family suggests")
    assert "Moa" not in listed.text and "has not suggested anyone yet" in listed.text
