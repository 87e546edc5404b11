"""Incoming updates that are not what the bot expects: ones python-telegram-bot
cannot parse, a handler that keeps failing and an apology that fails too,
anything from a group or channel, edited messages, and what the inbox keeps
at rest when a key is set. The real bot against the emulator, end to end."""

import asyncio
import logging
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from bot.db.engine import make_engine
from bot.db.models import Conversation, InboundUpdate, Person
from bot.edits import EDITS_ARE_NOT_READ
from bot.i18n import render
from flows.events import TextMessage
from tests.auxil.people import act, case_with_people, make_coordinator
from tests.auxil.running import running_bot

EDIT_NOTICE = "your edit has not reached me"


async def inbound(runtime, update_id: int) -> InboundUpdate:
    async with runtime.sessionmaker() as session:
        return await session.get(InboundUpdate, update_id)


async def until(condition, timeout: float = 10.0) -> None:
    """Wait until `condition()` holds (a state, not a duration, is what the tests check)."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the condition did not come true")


# ---- updates python-telegram-bot cannot parse (issue 10, point 3) --------------------

async def test_an_update_the_library_cannot_parse_is_recorded_and_skipped_and_the_bot_keeps_answering(
        emulator, bot, caplog):
    caplog.set_level(logging.INFO)
    anna, bo = emulator.user(2, "Anna"), emulator.user(3, "Bo")
    secret = "Grandmother Zelda drinks"
    # The date as a string, a poll in an older Bot API's shape, a message that is not an object.
    odd = [
        emulator.inject_update({"message": {"message_id": 1, "date": "2026-11-30T10:00:00", "chat": anna.chat_json(),
                                            "from": anna.user_json(), "text": secret}}, user=anna),
        emulator.inject_update({"poll": {"id": "5", "question": secret, "options": [{"text": "yes"}]}}),
        emulator.inject_update({"message": secret}),
    ]
    await act(anna, anna.send_command("help"), contains="/language")
    await act(bo, bo.send_command("help"), contains="/language")
    assert emulator.confirmed_offset > odd[-1]["update_id"]
    for update in odd:
        row = await inbound(bot, update["update_id"])
        assert row.handled_at is not None and row.payload is None
        assert row.error.startswith("unreadable: ")
        assert caplog.text.count(f"update {update['update_id']} could not be read") == 1
    assert secret not in caplog.text  # logged without its content
    # The person whose odd update was skipped is answered as usual afterwards.
    await act(anna, anna.send_text("hello"))


# ---- giving up on an update whose handling keeps failing (point 4) -------------------

def fail_on(runtime, word: str) -> None:
    """The engine fails whenever someone writes `word` (a bug in a flow, say)."""
    handle = runtime.engine.handle

    async def failing(update_id, sender, event):
        if isinstance(event, TextMessage) and event.text == word:
            raise RuntimeError("a bug")
        return await handle(update_id, sender, event)

    runtime.engine.handle = failing


async def test_giving_up_completes_even_when_the_apology_fails(emulator, bot):
    fail_on(bot, "boom")
    apologies = []

    async def failing_apology(session, chat_id):
        apologies.append(chat_id)
        raise RuntimeError("the apology fails too")

    bot.dispatcher.on_failure = failing_apology
    anna, bo = emulator.user(2, "Anna"), emulator.user(3, "Bo")
    boom = await anna.send_text("boom")
    await until(lambda: apologies)
    # Updates behind the given-up one are handled: nothing queues behind it.
    await act(bo, bo.send_command("help"), contains="/language")
    await act(anna, anna.send_command("help"), contains="/language")
    row = await inbound(bot, boom["update_id"])
    assert row.error == "gave up" and row.handled_at is not None and row.payload is None
    assert apologies == [anna.chat_id]  # tried once, not again and again


async def test_after_giving_up_the_person_is_told_once(emulator, bot):
    fail_on(bot, "boom")
    anna = emulator.user(2, "Anna")
    await act(anna, anna.send_text("boom"), contains="something went wrong")
    await anna.wait_until_answered(timeout=10)
    assert sum("something went wrong" in m.text for m in anna.bot_messages) == 1


# ---- only private chats are served (point 8) --------------------------------------

def calls_about(emulator, chat_id: int) -> list[str]:
    return [c.method for c in emulator.calls if str(c.params.get("chat_id")) == str(chat_id)]


async def test_the_bot_leaves_a_group_and_nothing_from_it_is_answered_or_changes_anything(emulator, bot):
    cia, (anna,) = await case_with_people(emulator, bot, [("Anna", "family member")])
    notice = await anna.wait_for(lambda m: "You can prepare for it now" in m.text, timeout=10)
    await act(anna, anna.press("Start preparing ▶", message=notice), contains="Question 1 of")
    saved = await act(anna, anna.send_text("Only for the coordinator: we argue a lot"), contains="Saved")
    await anna.wait_until_answered(timeout=10)
    async with bot.sessionmaker() as session:
        before = await session.get(Conversation, anna.chat_id)
        before = (before.flow, before.step, before.version, before.data)
    seen = len(anna.messages)

    family = emulator.group(-100200, "Anna's family", kind="supergroup")
    # All at once, so that the bot gets them before it leaves: a member adds the
    # bot, sends commands and text, forwards Anna's saved answer with its buttons
    # and presses "Next" (which in her own chat would bring the next question),
    # and edits a message.
    await family.add_bot(by=anna)
    await family.send_command("prep", by=anna)
    said = await family.send_text("What did you write, Anna?", by=anna)
    forwarded = await family.forward(saved, by=anna)
    await family.press("Next ▶", forwarded, by=anna)
    await family.edit_text(said["message"]["message_id"], "What did you write?")
    await family.wait_until_answered(timeout=15)

    # Left at once; an update queued before that may try once more, and learns it is out.
    assert calls_about(emulator, family.id)[0] == "leaveChat"
    assert set(calls_about(emulator, family.id)) == {"leaveChat"}
    assert not family.bot_member and family.bot_messages == []
    assert len(family.unanswered_presses) == 1  # not even the button's spinner is answered
    assert len(anna.messages) == seen  # nor anything sent to Anna instead
    async with bot.sessionmaker() as session:
        after = await session.get(Conversation, anna.chat_id)
        assert (after.flow, after.step, after.version, after.data) == before
        rows = list(await session.scalars(select(InboundUpdate).where(InboundUpdate.update_id.in_(family.update_ids))))
    assert len(rows) == 7  # six from the group and the bot's own leaving
    assert all(r.handled_at is not None and r.payload is None and r.error is None for r in rows)
    # Anna herself is served as before, in her private chat.
    await act(anna, anna.send_command("help"), contains="/prep")


async def test_the_bot_leaves_a_channel_it_is_made_administrator_of(emulator, bot):
    anna = emulator.user(2, "Anna")
    news = emulator.group(-100300, "News", kind="channel")
    await news.add_bot(by=anna)
    await news.wait_until_answered(timeout=10)
    assert calls_about(emulator, news.id) == ["leaveChat"]
    assert not news.bot_member


async def test_a_button_pressed_on_an_inline_message_without_a_chat_is_ignored(emulator, bot):
    anna = emulator.user(2, "Anna")
    await act(anna, anna.send_command("help"), contains="/language")
    calls = len(emulator.calls)
    inline = emulator.inject_update({"callback_query": {
        "id": "4711", "from": anna.user_json(), "inline_message_id": "AAEAAAA", "chat_instance": "1",
        "data": "x"}}, user=anna)
    await anna.wait_until_answered(timeout=10)
    row = await inbound(bot, inline["update_id"])
    assert row.handled_at is not None and row.error is None  # ignored, not a failure given up on
    assert [c.method for c in emulator.calls[calls:] if c.method != "getUpdates"] == []


# ---- edited messages (point 18) ---------------------------------------------------

async def test_a_person_who_edits_a_message_is_told_once_how_to_change_an_answer(emulator, bot):
    cia = await make_coordinator(emulator, bot, emulator.user(1, "Cia"))
    before = len(cia.messages)
    sent = await cia.send_text("hello")
    await cia.wait_for(None, after=before, timeout=10)
    await cia.wait_until_answered(timeout=10)
    told = await act(cia, cia.edit_text(sent["message"]["message_id"], "hello again"), contains=EDIT_NOTICE)
    assert "/prep" in told.text
    # Once: later edits, an edited command too, are not read and not answered.
    # The help reply is waited for by its text: under load it can come later
    # than a short quiet spell, and would then be miscounted as an answer to an edit.
    before = len(cia.messages)
    help_message = await cia.send_command("help")
    await cia.wait_for(lambda m: "/language" in m.text, after=before, timeout=10)
    await cia.wait_until_answered(timeout=10)
    shown = len(cia.bot_messages)
    await cia.edit_text(sent["message"]["message_id"], "hello for the third time")
    await cia.edit_text(help_message["message"]["message_id"], "/forget")
    await cia.wait_until_answered(timeout=10, quiet=1.0)
    assert len(cia.bot_messages) == shown
    async with bot.sessionmaker() as session:
        assert (await session.scalar(select(Person).where(Person.chat_id == cia.chat_id))).told_about_edits


async def test_someone_unknown_who_edits_is_told_in_their_language_and_nothing_is_kept(emulator, bot):
    bo = emulator.user(3, "Bo", language_code="sv")
    before = len(bo.messages)
    command = await bo.send_command("help")
    await bo.wait_for(after=before, timeout=10)  # the help itself, before the edit (a late one is no answer to it)
    await bo.wait_until_answered(timeout=10)
    swedish = render(EDITS_ARE_NOT_READ, "sv")
    assert swedish != render(EDITS_ARE_NOT_READ, "en")
    # An edited command is an edit: it does not run /privacy.
    told = await act(bo, bo.edit_text(command["message"]["message_id"], "/privacy"))
    assert told.text == swedish
    await bo.wait_until_answered(timeout=10)
    assert len(bo.bot_messages) == 2
    async with bot.sessionmaker() as session:
        assert await session.get(Conversation, bo.chat_id) is None
        assert await session.scalar(select(Person).where(Person.chat_id == bo.chat_id)) is None


# ---- the raw update at rest (point 11) --------------------------------------------

async def database_holds(database_url: str, marker: str) -> bool:
    """Whether `marker` is anywhere in the database: on SQLite in the bytes of
    its files (free pages and the write-ahead log too), on PostgreSQL in any
    table's content."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        files = [path, Path(f"{path}-wal"), Path(f"{path}-journal")]
        return any(marker.encode() in f.read_bytes() for f in files if f.exists())
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            tables = (await conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))).scalars()
            for table in list(tables):
                rows = await conn.execute(text(f'SELECT t::text FROM "{table}" t'))
                if any(marker in row for row in rows.scalars()):
                    return True
        return False
    finally:
        await engine.dispose()


async def test_with_a_key_the_update_is_sealed_while_it_waits_and_dropped_once_handled(emulator, database_url):
    marker, name = "Otterpebble4711", "Quillonia"
    key = Fernet.generate_key().decode()
    anna = emulator.user(2, name)
    async with running_bot(emulator, database_url, encryption_key=key) as runtime:
        handle = runtime.dispatcher.dispatch_pending
        runtime.dispatcher.dispatch_pending = _nothing  # stored, not yet handled
        runtime.dispatcher.store_and_handle = _not_at_once  # (not handled as it is stored either)
        sent = await anna.send_text(f"My note: {marker}")
        await anna.wait_until_answered(timeout=10)  # confirmed to Telegram, so stored
        waiting = await inbound(runtime, sent["update_id"])
        assert waiting.handled_at is None and set(waiting.payload) == {"sealed"}
        assert not await database_holds(database_url, marker)
        assert not await database_holds(database_url, name)

        runtime.dispatcher.dispatch_pending = handle
        runtime.dispatcher.wake()
        await anna.wait_for(timeout=10)
        await anna.wait_until_answered(timeout=10)
        handled = await inbound(runtime, sent["update_id"])
        assert handled.handled_at is not None and handled.payload is None
    assert not await database_holds(database_url, marker)
    assert not await database_holds(database_url, name)


async def _nothing(limit: int = 100) -> int:
    return 0


async def _not_at_once(updates, write) -> bool:
    return False


async def test_an_item_without_an_update_id_cannot_be_stored_but_does_not_hold_up_the_others(
        emulator, database_url, sessionmaker, caplog):
    from bot.app import build_application
    from bot.inbox import Poller
    from tests.auxil.running import settings_for

    application = build_application(settings_for(emulator, database_url))
    poller = Poller(sessionmaker, application)
    assert await poller.store([{"message": {"text": "no id"}}]) is None
    assert await poller.store([{"message": {"text": "no id"}}, {"update_id": 41, "message": {}}]) == 42
    assert "without an update_id" in caplog.text and "no id" not in caplog.text
    async with sessionmaker() as session:
        assert list(await session.scalars(select(InboundUpdate.update_id))) == [41]
    assert await poller.next_offset() == 42


async def test_an_update_sealed_with_a_key_that_is_gone_is_skipped_and_said_so(emulator, database_url, caplog):
    from bot.inbox import seal_payload
    from bot.storage.sealing import Sealer

    async with running_bot(emulator, database_url, encryption_key=Fernet.generate_key().decode()) as runtime:
        runtime.dispatcher.dispatch_pending = _nothing
        lost_key = Sealer([Fernet.generate_key().decode()])
        async with runtime.sessionmaker() as session, session.begin():
            session.add(InboundUpdate(update_id=900, payload=seal_payload({"update_id": 900}, lost_key)))
        del runtime.dispatcher.dispatch_pending
        runtime.dispatcher.wake()
        await until(lambda: "update 900 could not be opened" in caplog.text)
        row = await inbound(runtime, 900)
        assert row.error == "unreadable: SealingError" and row.payload is None
