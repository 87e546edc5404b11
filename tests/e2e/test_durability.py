"""Nothing lost, nothing repeated: kills, restarts, duplicate updates, and
the outbox under 429s, 502s and blocked users."""

import asyncio
import os
import signal
from datetime import datetime, timezone

from sqlalchemy import func, select
from telegram import Bot

from bot.app import build_application
from bot.db.models import Case, OutboxMessage, Person
from bot.delivery.limits import RateLimits
from bot.delivery.sender import OutboxSender
from bot.inbox import Poller
from tests.auxil.people import act
from tests.auxil.running import running_bot, settings_for, start_bot_process


async def test_kill_9_in_the_middle_of_new_resumes_where_the_person_was(emulator, database_url, tmp_path):
    from datetime import timedelta

    from bot.coordinators import create_coordinator_invite
    from bot.db.engine import make_engine, make_sessionmaker

    process = await start_bot_process(emulator, database_url)
    try:
        engine = make_engine(database_url)
        sessionmaker = make_sessionmaker(engine)
        link = await create_coordinator_invite(settings_for(emulator, database_url), username=emulator.bot_username,
                                               ttl=timedelta(hours=1), sessionmaker=sessionmaker)
        cia = emulator.user(1, "Cia")
        await act(cia, cia.open_link(link))
        await act(cia, cia.press("I agree"))
        await act(cia, cia.press("Use “Cia”"), contains="coordinator")
        await act(cia, cia.send_command("new"))
        await act(cia, cia.send_text("Family K"), contains="model")
        await cia.wait_until_answered(timeout=10, quiet=0.5)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        await asyncio.to_thread(process.wait)
    # While the bot is dead the person answers; nothing is lost.
    await cia.press("Systemic meeting")
    process = await start_bot_process(emulator, database_url)
    try:
        await cia.wait_for(lambda m: "date" in m.text, timeout=15)
        await act(cia, cia.send_text("2099-12-03"))
        await act(cia, cia.send_text("10:00"))
        await act(cia, cia.press("No place yet"), contains="check")
        await act(cia, cia.press("Create the case"), contains="is ready")
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait)
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Case)) == 1
    await engine.dispose()
    # Every answer was given exactly once: one "Which meeting model" question.
    assert sum("Which meeting model" in m.text for m in cia.bot_messages) == 1


async def test_update_stored_but_not_handled_before_a_crash_is_handled_after_restart(emulator, database_url, sessionmaker):
    anna = emulator.user(2, "Anna")
    await anna.send_command("help")
    # A bot fetches and stores the update, then dies before handling it.
    application = build_application(settings_for(emulator, database_url))
    await application.initialize()
    poller = Poller(sessionmaker, application)
    await poller.store(await poller.fetch(offset=0, timeout=0))
    await application.shutdown()
    assert anna.bot_messages == []
    async with running_bot(emulator, database_url):
        await anna.wait_for(lambda m: "/language" in m.text, timeout=10)
        await anna.wait_until_answered(timeout=5)
    assert sum("/language" in m.text for m in anna.bot_messages) == 1


async def test_the_same_update_twice_is_handled_once(emulator, database_url):
    anna = emulator.user(2, "Anna")
    raw = await anna.send_command("help")
    async with running_bot(emulator, database_url) as runtime:
        await anna.wait_for(lambda m: "/language" in m.text, timeout=10)
        # Telegram repeats an update (say the acknowledgement was lost).
        await runtime.poller.store([raw])
        await runtime.dispatcher.dispatch_pending()
        await asyncio.sleep(0.5)
    assert sum("/language" in m.text for m in anna.bot_messages) == 1


def _rows(chat_ids, per_chat, now):
    return [
        OutboxMessage(chat_id=chat, method="sendMessage", payload={"text": f"message {i} to {chat}"},
                      priority=1, created_at=now, not_before=now)
        for i in range(per_chat) for chat in chat_ids
    ]


async def _drain(sender, sessionmaker, deadline=60.0):
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while loop.time() < end:
        await sender.drain_once()
        async with sessionmaker() as session:
            pending = await session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending"))
        if pending == 0:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the outbox did not drain")


async def test_outbox_survives_429s_and_502s_and_loses_nothing(emulator, sessionmaker):
    users = [emulator.user(100 + i, f"P{i}") for i in range(5)]
    for user in users:
        await user.send_text("hi")  # they started the bot
    now = datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        session.add_all(_rows([u.user_id for u in users], 4, now))
    emulator.faults.error_rate = 0.3
    emulator.faults.seed = 7
    emulator.faults.next_429 = [1]
    async with Bot(emulator.token, base_url=emulator.base_url) as bot:
        # A short wait between tries keeps the test quick; the policy is unit-tested.
        sender = OutboxSender(sessionmaker, bot, RateLimits(30, 50), retry_delay=lambda attempts: 0.05)
        await _drain(sender, sessionmaker)
    for user in users:
        texts = [m.text for m in user.bot_messages]
        assert texts == [f"message {i} to {user.user_id}" for i in range(4)]  # all, once, in order
    assert any(call.status == 502 for call in emulator.calls)
    assert any(call.status == 429 for call in emulator.calls)


async def test_blocked_user_is_marked_and_others_still_get_theirs(emulator, sessionmaker):
    anna, bo = emulator.user(2, "Anna"), emulator.user(3, "Bo")
    await anna.send_text("hi")
    await bo.send_text("hi")
    await bo.block()
    now = datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        session.add(Person(telegram_user_id=3, chat_id=3, name="Bo", created_at=now))
        session.add_all(_rows([2, 3], 2, now))
    async with Bot(emulator.token, base_url=emulator.base_url) as bot:
        await _drain(OutboxSender(sessionmaker, bot, RateLimits(30, 50)), sessionmaker)
    assert [m.text for m in anna.bot_messages] == ["message 0 to 2", "message 1 to 2"]
    async with sessionmaker() as session:
        statuses = set(await session.scalars(select(OutboxMessage.status).where(OutboxMessage.chat_id == 3)))
        person = await session.scalar(select(Person).where(Person.chat_id == 3))
    assert statuses == {"blocked"} and person.blocked_at is not None


async def test_outbox_respects_the_per_chat_limit(emulator, sessionmaker):
    emulator.rate_limits = True
    anna = emulator.user(2, "Anna")
    await anna.send_text("hi")
    now = datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        session.add_all(_rows([2], 6, now))
    async with Bot(emulator.token, base_url=emulator.base_url) as bot:
        await _drain(OutboxSender(sessionmaker, bot, RateLimits(30, 1)), sessionmaker)
    assert len(anna.bot_messages) == 6
    assert not any(call.status == 429 for call in emulator.calls)


async def test_a_lease_that_ran_out_never_causes_a_second_send(emulator, sessionmaker):
    from datetime import timedelta

    from sqlalchemy import update

    anna = emulator.user(2, "Anna")
    await anna.send_text("hi")
    now = datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        session.add_all(_rows([2], 3, now))
    async with Bot(emulator.token, base_url=emulator.base_url) as bot:
        slow = OutboxSender(sessionmaker, bot, RateLimits(30, 50))
        (held,) = await slow._claim()  # claimed, then stuck (say, behind the global limit)
        async with sessionmaker() as session, session.begin():
            await session.execute(update(OutboxMessage).values(claimed_until=now))  # the lease runs out
        assert await OutboxSender(sessionmaker, bot, RateLimits(30, 50)).drain_once() == 3
        later = datetime.now(timezone.utc) + timedelta(seconds=31)
        slow.clock = lambda: later
        await slow._send_chat(held)  # wakes up after its lease: must notice it no longer holds the rows
    assert [m.text for m in anna.bot_messages] == ["message 0 to 2", "message 1 to 2", "message 2 to 2"]
