"""Erasure end to end: an erased person's id is never given to a newcomer and
nothing still names them, and after /forget or erasing a case the database
files themselves hold nothing of what they wrote (with a key and without)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select, text

from bot.db.models import AuditEntry, Base, Conversation, Meeting, OutboxMessage, Person
from bot.purge import erase_case
from tests.auxil.people import act, button, case_with_people, invite_links, join
from tests.auxil.running import running_bot
from tests.e2e.test_feedback import end_meeting
from tests.e2e.test_meeting import take_attendance


async def forget(person):
    await act(person, person.send_command("forget"), contains="erase")
    await act(person, person.press(button(person, "Yes, erase")), contains="has been erased")


async def wait_until_no_row_names(sessionmaker, chat_id: int) -> None:
    """The confirmation of an erasure is the last row naming the chat; it goes once sent."""
    for _ in range(200):
        async with sessionmaker() as session:
            left = await session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.chat_id == chat_id))
        if not left:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{left} outbox rows still name chat {chat_id}")


async def test_a_newcomer_after_someone_erased_themselves_was_not_at_their_meeting(emulator, bot):
    cia, (anna,) = await case_with_people(emulator, bot, [("Anna", "family member")])
    await end_meeting(cia, "Anna")
    plan = await anna.wait_for(lambda m: "The plan for Family A" in m.text, timeout=10)
    await act(anna, anna.press("✅ I agree", message=plan), contains="you agree")
    async with bot.sessionmaker() as session:
        anna_id = await session.scalar(select(Person.id).where(Person.telegram_user_id == anna.user_id))
        meeting_id = await session.scalar(select(Meeting.id))
        assert anna_id in (await session.get(Meeting, meeting_id)).progress["present"]
    await forget(anna)

    bo = emulator.user(7, "Bo")
    await join(bo, (await invite_links(cia))["family member"])
    async with bot.sessionmaker() as session:
        bo_id = await session.scalar(select(Person.id).where(Person.telegram_user_id == bo.user_id))
        progress = (await session.get(Meeting, meeting_id)).progress
    assert bo_id > anna_id  # never given out again
    assert anna_id not in progress["present"] and anna_id not in progress.get("read", [])
    # Bo was not at the meeting: he is not asked, and cannot give feedback on it.
    await act(bo, bo.send_command("feedback"), contains="You were not at the meeting")
    await bo.press_data(f"-|fb:go:{meeting_id}", bo.bot_messages[-1].message_id)
    await bo.wait_for(lambda m: "You were not at the meeting" in m.text, timeout=10)
    status = await act(cia, cia.send_command("meeting"), contains="has ended")
    assert "Bo" not in status.text


async def test_erasing_someone_takes_them_out_of_a_coordinators_unfinished_choice(emulator, bot):
    cia, (anna, lars) = await case_with_people(emulator, bot, [("Anna", "family member"), ("Lars", "network member")])
    control = await take_attendance(cia, "Anna", "Lars")
    await act(cia, cia.press("▶ Start the meeting", message=control), contains="Step 1 of 7")
    await act(cia, cia.press("📝 Add a task", message=control), contains="What has been agreed?")
    ask = await act(cia, cia.send_text("Call the school"), contains="Who will do it?")
    await cia.press("▫ Anna", message=ask)
    await cia.wait_for(lambda m: any(b.text == "✅ Anna" for row in m.buttons for b in row), timeout=10)
    async with bot.sessionmaker() as session:
        anna_id = await session.scalar(select(Person.id).where(Person.telegram_user_id == anna.user_id))
        assert (await session.get(Conversation, cia.user_id)).data["owners"] == [anna_id]
    await forget(anna)
    async with bot.sessionmaker() as session:
        assert (await session.get(Conversation, cia.user_id)).data["owners"] == []
        assert anna_id not in (await session.scalar(select(Meeting.progress)))["present"]
        assert await session.get(Conversation, anna.user_id) is None
        trail = list(await session.scalars(select(AuditEntry)))
    # The trail keeps that she joined and was erased, not who she was.
    assert {"joined", "erased_person"} <= {a.action for a in trail}
    assert anna_id not in {a.actor_id for a in trail} and "Anna" not in repr([a.detail for a in trail])
    await wait_until_no_row_names(bot.sessionmaker, anna.user_id)


# ---- nothing left in the files -------------------------------------------------------

MARKER_NAME = "Zebulon Quarterfield"
MARKER_ANSWER = "Wombatmarmalade grows in the cellar"
CASE_NAME = "Quokkafamily"


async def _all_text(sessionmaker) -> str:
    """Every row of every table, as text (PostgreSQL: what a dump would show)."""
    parts = []
    async with sessionmaker() as session:
        for table in Base.metadata.sorted_tables:
            rows = await session.execute(text(f"SELECT * FROM {table.name}"))
            parts.extend(repr(tuple(row)) for row in rows)
    return "\n".join(parts)


def _file_bytes(database_url: str) -> bytes:
    path = Path(database_url.split("///", 1)[1])
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


async def _assert_nothing_left(runtime, database_url: str, *markers: str) -> None:
    everything = await _all_text(runtime.sessionmaker)
    for marker in markers:
        assert marker not in everything
    if database_url.startswith("sqlite"):
        # The write-ahead log is emptied just after the erasing transaction
        # (for /forget, the sweep's) commits: allow it that moment.
        for _ in range(100):
            stored = _file_bytes(database_url)
            if not any(marker.encode() in stored for marker in markers):
                break
            await asyncio.sleep(0.1)
        for marker in markers:
            assert marker.encode() not in stored, f"{marker!r} is still in the database file"


async def _prepared(emulator, runtime):
    """A case whose family member (the marker name, her Telegram name) wrote the marker answer."""
    from tests.e2e.test_preparation import start_preparing

    cia, (zeb, lars) = await case_with_people(emulator, runtime, [(MARKER_NAME, "family member"), ("Lars", "network member")])
    await start_preparing(zeb)
    await act(zeb, zeb.send_text(MARKER_ANSWER), contains="Saved")
    return cia, zeb, lars


async def _forget_leaves_nothing(emulator, database_url, key):
    async with running_bot(emulator, database_url, encryption_key=key) as runtime:
        cia, zeb, lars = await _prepared(emulator, runtime)
        before = _file_bytes(database_url) if database_url.startswith("sqlite") else b""
        if database_url.startswith("sqlite") and key is None:
            assert MARKER_ANSWER.encode() in before  # the search can find what is there
        await forget(zeb)
        await wait_until_no_row_names(runtime.sessionmaker, zeb.user_id)
        await _assert_nothing_left(runtime, database_url, MARKER_NAME, MARKER_ANSWER)


async def test_after_forget_the_database_files_hold_nothing_of_them(emulator, database_url):
    await _forget_leaves_nothing(emulator, database_url, None)


async def test_after_forget_nothing_is_left_with_a_key_either(emulator, database_url):
    from cryptography.fernet import Fernet

    await _forget_leaves_nothing(emulator, database_url, Fernet.generate_key().decode())


async def _erasing_a_case_leaves_nothing(emulator, database_url, key):
    from tests.auxil.people import create_case, make_coordinator

    async with running_bot(emulator, database_url, encryption_key=key) as runtime:
        cia = await make_coordinator(emulator, runtime, emulator.user(1, "Cia"))
        from tests.auxil.people import tomorrow

        await create_case(cia, pseudonym=CASE_NAME, date=tomorrow())
        links = await invite_links(cia)
        zeb = emulator.user(2, MARKER_NAME)
        await join(zeb, links["family member"])
        from tests.e2e.test_preparation import start_preparing

        await start_preparing(zeb)
        await act(zeb, zeb.send_text(MARKER_ANSWER), contains="Saved")
        await cia.wait_until_answered(timeout=10)
        async with runtime.sessionmaker() as session:
            case_id = await session.scalar(text("SELECT id FROM cases"))
        assert await erase_case(runtime.sessionmaker, case_id) == 1
        await _assert_nothing_left(runtime, database_url, MARKER_NAME, MARKER_ANSWER, CASE_NAME)
        async with runtime.sessionmaker() as session:
            assert await session.scalar(select(Person.name)) == "Cia"  # the coordinator stays
            assert await session.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.chat_id == zeb.user_id)) == 0


async def test_erasing_a_case_leaves_nothing_in_the_files(emulator, database_url):
    await _erasing_a_case_leaves_nothing(emulator, database_url, None)


async def test_erasing_a_case_leaves_nothing_with_a_key_either(emulator, database_url):
    from cryptography.fernet import Fernet

    await _erasing_a_case_leaves_nothing(emulator, database_url, Fernet.generate_key().decode())


async def test_retention_leaves_no_conversation_or_message_of_the_people_it_erases(emulator, bot):
    from datetime import datetime, timedelta, timezone

    from bot.purge import purge_with

    cia, (anna,) = await case_with_people(emulator, bot, [("Anna", "family member")])
    await act(anna, anna.send_command("language"), contains="Which language")  # she is in the middle of something
    await act(cia, cia.send_command("close"), contains="Close")
    await act(cia, cia.press(button(cia, "Yes, close")), contains="is closed")
    await anna.wait_for(lambda m: "Family A is now closed" in m.text, timeout=10)
    erased = await purge_with(bot.sessionmaker, retention_days=30, now=datetime.now(timezone.utc) + timedelta(days=31))
    assert erased["people no longer in any case"] == 1
    async with bot.sessionmaker() as session:
        assert await session.get(Conversation, anna.user_id) is None
        assert await session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.chat_id == anna.user_id)) == 0
