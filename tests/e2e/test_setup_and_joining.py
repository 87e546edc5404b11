"""The set-up and joining journeys, end to end: the real python-telegram-bot
application talks to the Bot API emulator over HTTP, with a real database."""

import asyncio

from sqlalchemy import func, select

from bot.db.models import (
    AuditEntry,
    Case,
    Conversation,
    Invite,
    Meeting,
    Participant,
    Person,
)
from tests.auxil.people import (
    act,
    button,
    create_case,
    invite_links,
    join,
    make_coordinator,
)


async def count(sessionmaker, model, *where):
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_coordinator_creates_case_invites_and_people_join(emulator, bot):
    cia = await make_coordinator(emulator, bot, emulator.user(1, "Cia", language_code="en"))
    done = await create_case(cia, pseudonym="Family <A> & co")
    assert "Family <A> & co" in done.text  # shown as typed, never breaking the message
    links = await invite_links(cia)
    assert set(links) == {"family member", "child or young person", "network member", "professional"}
    assert len(set(links.values())) == 4

    anna = emulator.user(2, "Anna", language_code="en")
    welcome = await join(anna, links["family member"])
    assert "Family <A> & co" in welcome.text
    note = await cia.wait_for(lambda m: "has joined" in m.text)
    assert "Anna" in note.text and "family member" in note.text

    async with bot.sessionmaker() as session:
        case = await session.scalar(select(Case))
        assert case.pseudonym == "Family <A> & co" and case.model_id == "systemic"
        meeting = await session.scalar(select(Meeting))
        assert meeting.starts_at.year == 2099
        participant = await session.scalar(select(Participant))
        assert participant.role == "family"
        actions = set(await session.scalars(select(AuditEntry.action)))
    assert {"became_coordinator", "created_case", "invited", "joined"} <= actions


async def test_participants_read_their_own_language(emulator, bot):
    cia = await make_coordinator(emulator, bot, emulator.user(1, "Cia", language_code="en"))
    await create_case(cia)
    links = await invite_links(cia)
    lars = emulator.user(3, "Lars", language_code="sv")
    notice = await act(lars, lars.open_link(links["network member"]))
    swedish = notice.text
    assert "Telegram" in swedish and not swedish.startswith("Before you join")  # his app's language
    # Switching the language on the notice itself rewrites it in place.
    await lars.press("Suomi")
    edited = await lars.wait_for(lambda m: m.message_id == notice.message_id and m.text != swedish, timeout=10)
    assert "Telegram" in edited.text and edited.text != swedish
    assert len([m for m in lars.bot_messages if "Telegram" in m.text]) == 1  # edited, not sent again


async def test_declining_stores_nothing(emulator, bot):
    cia = await make_coordinator(emulator, bot, emulator.user(1, "Cia"))
    await create_case(cia)
    links = await invite_links(cia)
    bo = emulator.user(4, "Bo")
    await act(bo, bo.open_link(links["family member"]), contains="agree")
    reply = await act(bo, bo.press(button(bo, "No, thank")))
    assert "Nothing about you has been saved" in reply.text
    assert await count(bot.sessionmaker, Person, Person.telegram_user_id == 4) == 0


async def test_bad_invites_and_non_coordinators(emulator, bot):
    cia = await make_coordinator(emulator, bot, emulator.user(1, "Cia"))
    await create_case(cia)
    links = await invite_links(cia)
    eve = emulator.user(5, "Eve")
    made_up = await act(eve, eve.send_command("start", "AAAAAAAAAAAAAAAAAAAAAAAA"))
    assert "don't recognise" in made_up.text
    refused = await act(eve, eve.send_command("new"))
    assert "Only coordinators" in refused.text

    # Cia revokes the family link; opening it afterwards is explained.
    await act(cia, cia.press("Revoke this link", message=_photo_with(cia, "family member")), contains="revoked")
    late = await act(eve, eve.open_link(links["family member"]))
    assert "no longer valid" in late.text
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Invite).where(Invite.revoked_at.is_not(None))) == 1


def _photo_with(user, text):
    return next(m for m in reversed(user.messages) if m.photo is not None and text in (m.caption or ""))


async def test_stranger_cannot_use_a_forged_revoke_button(emulator, bot):
    cia = await make_coordinator(emulator, bot, emulator.user(1, "Cia"))
    await create_case(cia)
    await invite_links(cia)
    eve = emulator.user(5, "Eve")
    await act(eve, eve.send_command("help"))
    data = _photo_with(cia, "family member").buttons[0][0].callback_data
    await eve.press_data(data, eve.last_bot_message.message_id)
    await eve.wait_until_answered(timeout=5)
    assert eve.callback_answers and "does not work" in eve.callback_answers[-1]
    assert await count(bot.sessionmaker, Invite, Invite.revoked_at.is_not(None)) == 0


async def test_bad_input_gets_clear_replies(emulator, bot):
    cia = await make_coordinator(emulator, bot, emulator.user(1, "Cia"))
    await act(cia, cia.send_command("new"))
    await act(cia, cia.send_text("19850101-1234"), contains="personal identity number")
    await act(cia, cia.send_text("Family A"), contains="Which meeting model")
    await act(cia, cia.send_text("the first one"), contains="buttons")
    await act(cia, cia.send_sticker(), contains="only read text")
    await act(cia, cia.send_voice(), contains="only read text")
    await cia.wait_for(lambda m: "Which meeting model" in m.text)
    await act(cia, cia.press("Systemic meeting"), contains="what date")
    await act(cia, cia.send_text("someday"), contains="couldn't read that as a date")
    await act(cia, cia.send_text("2001-01-01"), contains="already passed")
    await act(cia, cia.send_command("frobnicate"), contains="don't know the command /frobnicate")
    await act(cia, cia.send_text("x" * 4096), contains="couldn't read that as a date")
    async with bot.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 0
        conversation = await session.get(Conversation, 1)
    assert conversation.step == "date" and "19850101" not in str(conversation.data)


async def test_stale_button_is_answered_and_nothing_changes(emulator, bot):
    cia = await make_coordinator(emulator, bot, emulator.user(1, "Cia"))
    await act(cia, cia.send_command("new"))
    await act(cia, cia.send_text("Family A"))
    model_question = cia.last_bot_message
    await act(cia, cia.press("Systemic meeting", message=model_question))
    # The old question's buttons were taken away; a forged press of the old data is refused.
    data = model_question.buttons and model_question.buttons[0][0].callback_data
    assert not model_question.buttons or data
    old = "0|setup:model:systemic"
    await cia.press_data(old, model_question.message_id)
    await cia.wait_until_answered(timeout=5)
    async with bot.sessionmaker() as session:
        conversation = await session.get(Conversation, 1)
    assert conversation.step == "date"


async def test_forget_erases_the_person(emulator, bot):
    cia = await make_coordinator(emulator, bot, emulator.user(1, "Cia"))
    await create_case(cia)
    links = await invite_links(cia)
    anna = emulator.user(2, "Anna")
    await join(anna, links["family member"])
    await act(anna, anna.send_command("forget"), contains="erase")
    done = await act(anna, anna.press(button(anna, "Yes, erase")))
    assert "erased" in done.text
    assert await count(bot.sessionmaker, Person, Person.telegram_user_id == 2) == 0
    assert await count(bot.sessionmaker, Participant) == 0
    assert await count(bot.sessionmaker, AuditEntry, AuditEntry.action == "erased_person") == 1


async def test_commands_are_registered_per_language(emulator, bot):
    assert await bot.menus  # set in the background at start-up
    for language in ("sv", "da", "fi", "en"):
        assert {c["command"] for c in emulator.commands(language_code=language)} >= {"help", "language", "privacy", "forget"}
    cia = await make_coordinator(emulator, bot, emulator.user(1, "Cia"))
    await asyncio.sleep(0.2)
    assert "new" in {c["command"] for c in emulator.commands(scope={"type": "chat", "chat_id": cia.user_id})}


async def test_an_expired_invite_is_explained_and_stores_nothing(emulator, bot):
    from datetime import datetime, timedelta, timezone

    from bot.storage.tokens import new_token, token_hash

    cia = await make_coordinator(emulator, bot, emulator.user(1, "Cia"))
    await create_case(cia)
    token = new_token()
    past = datetime.now(timezone.utc) - timedelta(days=1)
    async with bot.sessionmaker() as session, session.begin():
        case = await session.scalar(select(Case))
        session.add(Invite(token_hash=token_hash(token), kind="participant", case_id=case.id, role="family",
                           created_at=past - timedelta(days=14), expires_at=past))
    bo = emulator.user(4, "Bo")
    reply = await act(bo, bo.open_link(f"https://t.me/{emulator.bot_username}?start={token}"))
    assert "expired" in reply.text
    assert await count(bot.sessionmaker, Person, Person.telegram_user_id == 4) == 0
    assert await count(bot.sessionmaker, Conversation, Conversation.chat_id == 4) == 0
