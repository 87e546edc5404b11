"""The outbox against the emulator's faults: every failure counted and given
up at the limit, per-chat order under 502s and 429s, the command menus
failing at start-up, and nothing a person wrote at rest unencrypted."""

import asyncio
import logging
from datetime import datetime, timedelta, timezone

from cryptography.fernet import Fernet
from sqlalchemy import func, select, text, update
from telegram import Bot

from bot.db.models import OutboxMessage
from bot.delivery.limits import RateLimits
from bot.delivery.render import RENDERING, outbox_rows
from bot.delivery.sender import PER_CHAT, OutboxSender
from bot.storage.sealing import Sealer
from flows.outcome import CalendarEntry, reply
from flows.text import _
from tests.auxil.people import act, case_with_people
from tests.auxil.running import running_bot

QUICK = {"retry_delay": lambda attempts: 0.05}  # the backoff policy itself is unit-tested


def _message(chat: int, n: int, priority: int, now) -> OutboxMessage:
    return OutboxMessage(chat_id=chat, method="sendMessage", payload={"text": f"{chat}:{n}:{priority}"},
                         priority=priority, created_at=now, not_before=now)


async def _started(emulator, *ids):
    users = [emulator.user(i, f"P{i}") for i in ids]
    for user in users:
        await user.send_text("hi")  # a bot can write only to someone who has written to it
    return users


async def _eventually(predicate, timeout=20.0):
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not await predicate():
        assert loop.time() < end, "the outbox did not get there in time"
        await asyncio.sleep(0.05)


async def _run_until(sender, predicate, timeout=20.0):
    """Run the sender's own loop (claims, retries, leases) until `predicate()` holds."""
    stopping = asyncio.Event()
    task = asyncio.create_task(sender.run(stopping))
    try:
        await _eventually(predicate, timeout)
    finally:
        stopping.set()
        await task


def _nothing_pending(sessionmaker):
    async def check():
        async with sessionmaker() as session:
            return await session.scalar(select(OutboxMessage.id).where(OutboxMessage.status == "pending").limit(1)) is None
    return check


async def test_an_answer_that_cannot_be_read_is_counted_given_up_and_the_chat_goes_on(emulator, sessionmaker, caplog):
    (anna,) = await _started(emulator, 2)
    now = datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        session.add_all([_message(2, n, 1, now) for n in range(3)])
    # The first message's three tries get a 200 that python-telegram-bot cannot
    # read (a KeyError inside the library) or a page that is not JSON at all.
    emulator.faults.scripted["sendMessage"] = ["unparsable", "not json", "unparsable"]
    caplog.set_level(logging.DEBUG, logger="bot.delivery.sender")
    async with Bot(emulator.token, base_url=emulator.base_url) as bot:
        sender = OutboxSender(sessionmaker, bot, RateLimits(30, 50), max_attempts=3, **QUICK)
        await _run_until(sender, _nothing_pending(sessionmaker))
    assert [m.text for m in anna.bot_messages] == ["2:1:1", "2:2:1"]  # the later ones, in order, once
    async with sessionmaker() as session:
        first = await session.scalar(select(OutboxMessage).order_by(OutboxMessage.id).limit(1))
    assert (first.status, first.attempts, first.payload, first.blob) == ("failed", 3, None, None)
    assert "UnreadableAnswer" in first.last_error  # a message without its chat and date
    about_it = [r for r in caplog.records if f"outbox {first.id} " in r.getMessage() and r.levelno >= logging.INFO]
    assert [r.levelname for r in about_it] == ["WARNING", "ERROR"]  # the first failure and the giving up
    assert "2:0:1" not in caplog.text  # never the message's text
    assert emulator.stats["faults_scripted"] == 3


async def test_a_waiting_message_is_overtaken_only_by_a_more_urgent_one(emulator, sessionmaker):
    now = datetime.now(timezone.utc)
    later = now + timedelta(minutes=5)
    async with sessionmaker() as session, session.begin():
        # Chat 2: a notice waits after a failure; a notice and a bulk message
        # written after it must wait too, a reply may pass.
        waiting = _message(2, 0, 1, now)
        waiting.not_before, waiting.attempts = later, 1
        session.add_all([waiting, _message(2, 1, 1, now), _message(2, 2, 2, now), _message(2, 3, 0, now)])
        # Chat 3: a bulk message waits; a reply and another bulk one follow.
        bulk = _message(3, 0, 2, now)
        bulk.not_before = later
        session.add_all([bulk, _message(3, 1, 0, now), _message(3, 2, 2, now)])
    async with Bot(emulator.token, base_url=emulator.base_url) as bot:
        claimed = await OutboxSender(sessionmaker, bot, RateLimits(30, 50))._claim()
    assert sorted(row.payload["text"] for rows in claimed for row in rows) == ["2:3:0", "3:1:0"]


async def test_a_document_still_being_drawn_keeps_its_place_in_the_chat(emulator, sessionmaker):
    """The plan's PDF waits as "render" while it is drawn; what was written after
    it to the same chat, as urgent or less, waits for it (a reply may pass)."""
    now = datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        drawing = _message(2, 0, 1, now)
        drawing.method, drawing.status = "sendDocument", RENDERING
        session.add_all([drawing, _message(2, 1, 1, now), _message(2, 2, 0, now)])
    async with Bot(emulator.token, base_url=emulator.base_url) as bot:
        sender = OutboxSender(sessionmaker, bot, RateLimits(30, 50))
        claimed = await sender._claim()
        assert [row.payload["text"] for rows in claimed for row in rows] == ["2:2:0"]
        async with sessionmaker() as session, session.begin():
            await session.execute(update(OutboxMessage).where(OutboxMessage.claim.is_not(None))
                                  .values(status="sent", claim=None, claimed_until=None))
            await session.execute(update(OutboxMessage).where(OutboxMessage.id == drawing.id).values(status="pending"))
        claimed = await sender._claim()
    assert [row.payload["text"] for rows in claimed for row in rows] == ["2:0:1", "2:1:1"]


async def test_per_chat_order_holds_under_502s_and_a_429_burst(emulator, sessionmaker):
    chats = list(range(100, 130))
    users = await _started(emulator, *chats)
    # Per chat: notices, bulk and replies, written one after another (and chats interleaved).
    priorities = [1, 2, 1, 0, 2, 1, 0, 2]
    now = datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        session.add_all([_message(chat, n, p, now) for n, p in enumerate(priorities) for chat in chats])
    emulator.faults.error_rate, emulator.faults.seed = 0.1, 11
    emulator.faults.next_429 = [1, 1, 1]
    async with Bot(emulator.token, base_url=emulator.base_url) as bot:
        # Waits between tries long enough for the chat's later messages to be claimed, were they allowed.
        sender = OutboxSender(sessionmaker, bot, RateLimits(200, 50), retry_delay=lambda attempts: 0.3)
        await _run_until(sender, _nothing_pending(sessionmaker), timeout=60)
    assert emulator.stats["faults_502"] >= 10 and emulator.stats["faults_429"] == 3
    for user in users:
        arrived = [tuple(int(x) for x in m.text.split(":")[1:]) for m in user.bot_messages]  # (n, priority)
        assert sorted(arrived) == list(enumerate(priorities))  # all of them, once
        for i, (n, priority) in enumerate(arrived):
            # Nothing arrived before an earlier message as urgent or more.
            overtaken = [(m, p) for m, p in arrived[i + 1:] if m < n and p <= priority]
            assert not overtaken, f"chat {user.user_id}: {n} (priority {priority}) came before {overtaken}: {arrived}"


async def test_a_failing_command_menu_never_stops_the_bot(emulator, database_url, monkeypatch, caplog):
    import bot.commands

    monkeypatch.setattr(bot.commands, "MENU_FIRST_WAIT", 0.1)
    emulator.faults.scripted["setMyCommands"] = ["502", "502", "502"]  # three tries fail
    caplog.set_level(logging.INFO, logger="bot.commands")
    anna = emulator.user(2, "Anna")
    async with running_bot(emulator, database_url) as runtime:
        await act(anna, anna.send_command("help"), contains="/language")
        assert await runtime.menus  # set in the background, on the fourth try
    assert {c["command"] for c in emulator.commands(language_code="sv")} >= {"help", "forget"}
    warnings = [r for r in caplog.records if r.name == "bot.commands" and r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "command menus" in warnings[0].getMessage()  # said once


async def test_menus_given_up_after_the_last_try_are_logged_once_more(emulator, sessionmaker, monkeypatch, caplog):
    import bot.commands

    monkeypatch.setattr(bot.commands, "MENU_FIRST_WAIT", 0.01)
    monkeypatch.setattr(bot.commands, "MENU_TRIES", 3)
    emulator.faults.scripted["setMyCommands"] = ["not json"] * 3
    caplog.set_level(logging.INFO, logger="bot.commands")
    async with Bot(emulator.token, base_url=emulator.base_url) as tg:
        assert await bot.commands.register_menus(tg, sessionmaker, "en") is False
    assert [r.levelname for r in caplog.records if r.name == "bot.commands"] == ["WARNING", "ERROR"]


def _sqlite_bytes(database_url: str) -> bytes:
    path = database_url.split("///", 1)[1]
    content = b""
    for suffix in ("", "-wal"):
        try:
            with open(path + suffix, "rb") as f:
                content += f.read()
        except FileNotFoundError:
            pass
    return content


async def _outbox_content(sessionmaker) -> bytes:
    """Everything the outbox table holds, as stored."""
    async with sessionmaker() as session:
        rows = (await session.execute(text("SELECT CAST(payload AS TEXT), blob, last_error FROM outbox"))).all()
    return b"".join((p or "").encode() + bytes(b or b"") + (e or "").encode() for p, b, e in rows)


async def test_what_waits_in_the_outbox_is_sealed_and_dropped_when_given_up(emulator, database_url, sessionmaker):
    marker = "Zebra-4711 private words"
    (anna,) = await _started(emulator, 2)
    sealer = Sealer([Fernet.generate_key().decode()])
    now = datetime.now(timezone.utc)
    calendar = CalendarEntry(uid="m1@meetbot", sequence=0, starts_at=now + timedelta(days=2),
                             ends_at=now + timedelta(days=2, hours=1), timezone="Europe/Stockholm",
                             title=_("{meeting}: {case}", meeting="Meeting", case="Family A"),
                             description=_("Your tasks"), location=marker)
    message = reply(_("Saved: <b>{who}</b> will see your answer.", who=marker), calendar=calendar)
    async with sessionmaker() as session, session.begin():
        session.add_all(outbox_rows(message, 2, "en", 1, now, sealer=sealer))
    emulator.faults.error_rate = 1.0  # Telegram is down: the reply and its calendar file wait
    async with Bot(emulator.token, base_url=emulator.base_url) as bot:
        sender = OutboxSender(sessionmaker, bot, RateLimits(30, 50), sealer=sealer, max_attempts=2, **QUICK)
        await sender.drain_once()
        async with sessionmaker() as session:
            waiting = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        assert [(r.method, r.status, r.attempts) for r in waiting] == [("sendMessage", "pending", 1),
                                                                      ("sendDocument", "pending", 0)]
        assert all(set(r.payload) == {"sealed"} for r in waiting) and waiting[1].blob.startswith(b"fernet:")
        assert marker.encode() not in await _outbox_content(sessionmaker)
        if database_url.startswith("sqlite"):
            assert marker.encode() not in _sqlite_bytes(database_url)
        await _run_until(sender, _nothing_pending(sessionmaker))
    async with sessionmaker() as session:
        ended = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [(r.status, r.payload, r.blob) for r in ended] == [("failed", None, None)] * 2
    assert marker.encode() not in await _outbox_content(sessionmaker)
    if database_url.startswith("sqlite"):
        assert marker.encode() not in _sqlite_bytes(database_url)
    # With Telegram back, the same sealed rows are opened and sent as written.
    emulator.faults.error_rate = 0.0
    async with sessionmaker() as session, session.begin():
        session.add_all(outbox_rows(message, 2, "en", 1, now, sealer=sealer))
    async with Bot(emulator.token, base_url=emulator.base_url) as bot:
        await _run_until(OutboxSender(sessionmaker, bot, RateLimits(30, 50), sealer=sealer), _nothing_pending(sessionmaker))
    assert marker in anna.bot_messages[0].text
    assert marker.encode() in anna.bot_messages[1].document[1]


async def test_a_reply_quoting_an_answer_waits_sealed_and_ends_without_it(emulator, database_url):
    marker = "Quokka-2209 worries at night"
    async with running_bot(emulator, database_url, encryption_key=Fernet.generate_key().decode()) as runtime:
        cia, (anna,) = await case_with_people(emulator, runtime, [("Anna", "family member")])
        notice = await anna.wait_for(lambda m: "You can prepare for it now" in m.text, timeout=10)
        await act(anna, anna.press("Start preparing ▶", message=notice), contains="Question 1 of")
        await act(anna, anna.send_text(marker), contains="Saved")
        await act(anna, anna.press("Next ▶"), contains="Question 2 of")
        while "Your answers" not in anna.last_bot_message.text:
            await act(anna, anna.press("Skip ▶"))
        await act(anna, anna.press("✅ Done"), contains="Thank you")
        await act(cia, cia.send_command("prep"), contains="Preparation for")
        emulator.faults.error_rate = 1.0  # the digest, which quotes Anna's answer, has to wait
        runtime.sender.retry_delay = lambda attempts: 0.3
        before = len(emulator.calls)
        await cia.press("📋 Shared answers by question")

        async def tried():
            return any(c.status == 502 and c.params.get("chat_id") in (cia.user_id, str(cia.user_id))
                       for c in emulator.calls[before:])
        await _eventually(tried)
        async with runtime.sessionmaker() as session:
            waiting = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")))
        # Sealed, all but the removal of old buttons (a message id, nobody's words).
        assert waiting and all(set(r.payload) == {"sealed"} or r.method == "editMessageReplyMarkup" for r in waiting)
        assert marker.encode() not in await _outbox_content(runtime.sessionmaker)
        runtime.sender.max_attempts = 2  # give up soon
        await _eventually(_nothing_pending(runtime.sessionmaker))
        async with runtime.sessionmaker() as session:
            failed = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed")))
        assert failed and all(r.payload is None and r.blob is None for r in failed)
        assert marker.encode() not in await _outbox_content(runtime.sessionmaker)


async def test_two_senders_claiming_at_the_same_moment_never_share_a_chat(emulator, database_url, sessionmaker):
    """Several processes on one PostgreSQL database: while one sender's claim
    of a chat is not yet committed, another must not take a message written
    to that chat just then (it would overtake the first sender's ones)."""
    if database_url.startswith("sqlite"):
        return  # one process per SQLite file: its writes are one at a time anyway
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.db.engine import make_engine

    claimed, release = asyncio.Event(), asyncio.Event()

    class HeldBeforeCommit(AsyncSession):
        async def execute(self, statement, *args, **kwargs):
            result = await super().execute(statement, *args, **kwargs)
            if getattr(statement, "is_update", False) and "claim" in str(statement) and not claimed.is_set():
                claimed.set()
                await release.wait()  # the claim is made, its transaction still open
            return result

    now = datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        session.add_all([_message(2, n, 1, now) for n in range(3)])
    engine = make_engine(database_url)
    try:
        async with Bot(emulator.token, base_url=emulator.base_url) as bot:
            first = OutboxSender(async_sessionmaker(engine, class_=HeldBeforeCommit, expire_on_commit=False),
                                 bot, RateLimits(30, 50))
            first_claim = asyncio.create_task(first._claim())
            await claimed.wait()
            async with sessionmaker() as session, session.begin():
                session.add(_message(2, 3, 1, now))  # written while the claim is under way
            second_claim = asyncio.create_task(OutboxSender(sessionmaker, bot, RateLimits(30, 50))._claim())
            await asyncio.sleep(0.5)  # the second claim is under way too
            release.set()
            (held,) = await first_claim
            assert [row.payload["text"] for row in held] == ["2:0:1", "2:1:1", "2:2:1"]
            assert await second_claim == []  # the chat is the first sender's until it is done
    finally:
        await engine.dispose()


async def test_texts_left_with_finished_messages_by_an_older_version_are_dropped_at_start(emulator, sessionmaker):
    now = datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        failed, gone, sent = _message(2, 0, 1, now), _message(3, 0, 1, now), _message(4, 0, 1, now)
        failed.status, gone.status, gone.blob, sent.status = "failed", "undeliverable", b"BEGIN:VCALENDAR", "sent"
        session.add_all([failed, gone, sent])
    async with sessionmaker() as session, session.begin():
        await session.execute(text("UPDATE outbox SET payload = NULL WHERE status = 'sent'"))

    async def nothing_kept():
        return b"2:0:1" not in await _outbox_content(sessionmaker) and b"VCALENDAR" not in await _outbox_content(sessionmaker)

    async with Bot(emulator.token, base_url=emulator.base_url) as bot:
        sender = OutboxSender(sessionmaker, bot, RateLimits(30, 50))
        await _run_until(sender, nothing_kept)
        assert await sender.forget_finished() == 0  # once is enough
    async with sessionmaker() as session:
        kept = (await session.execute(text("SELECT status, payload, blob FROM outbox ORDER BY id"))).all()
    assert [tuple(row) for row in kept] == [("failed", None, None), ("undeliverable", None, None), ("sent", None, None)]


async def test_a_reply_is_claimed_and_sent_while_a_5000_message_bulk_fills_the_sender(emulator, sessionmaker):
    """The bulk in flight is at its limit; a person's reply still goes out at
    once, not after the bulk (counted: bulk messages sent before it)."""
    chats = list(range(300, 350))
    await _started(emulator, *chats, 2)
    now = datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        session.add_all([_message(chat, n, 2, now) for n in range(100) for chat in chats])  # 5,000
    sent: list[str] = []

    class CountingBot(Bot):
        async def _post(self, endpoint, data=None, *args, **kwargs):  # every call to the Bot API passes here
            answer = await super()._post(endpoint, data, *args, **kwargs)
            if endpoint == "sendMessage":
                sent.append(data["text"])
            return answer

    async with CountingBot(emulator.token, base_url=emulator.base_url) as bot:
        sender = OutboxSender(sessionmaker, bot, RateLimits(30, 50))
        stopping = asyncio.Event()
        task = asyncio.create_task(sender.run(stopping))
        try:
            async def bulk_under_way():
                return len(sent) >= 5
            await _eventually(bulk_under_way)
            async with sessionmaker() as session:
                claimed = await session.scalar(select(func.count(func.distinct(OutboxMessage.chat_id)))
                                               .where(OutboxMessage.claim.is_not(None)))
            assert claimed <= sender.chats_in_flight()  # the claims took only the room there was
            async with sessionmaker() as session, session.begin():
                session.add(_message(2, 0, 0, datetime.now(timezone.utc)))
            sender.wake()  # as the engine does after its commit

            async def reply_sent():
                return "2:0:0" in sent
            await _eventually(reply_sent)
        finally:
            stopping.set()
            await task
    bulk_before = sent.index("2:0:0")
    assert bulk_before < 150, f"{bulk_before} bulk messages went before the reply"  # before: all in flight (>= 200)
    async with sessionmaker() as session:
        left = await session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending"))
    assert left > 4000  # the bulk was far from drained


async def test_one_claim_puts_enough_chats_in_flight_to_keep_the_global_pace_full(sessionmaker):
    """Telegram allows each chat about one message a second, so a drain's
    pace is the number of chats sending: with ten messages waiting in each
    of 100 chats, one claim at the default limits (30 a second, one a second
    per chat) takes twice the 30 chats the pace needs, a few messages each,
    and no more than about ten seconds' worth in all (counted, not timed;
    before, the room counted messages and one claim took 28 chats of ten)."""
    now = datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        session.add_all([_message(chat, n, 2, now) for chat in range(1000, 1100) for n in range(10)])
    sender = OutboxSender(sessionmaker, Bot("1:x"), RateLimits(30, 1))
    claimed = await sender._claim(room=sender.chats_in_flight())
    assert len(claimed) == sender.chats_in_flight() == 60
    assert all(len(rows) == PER_CHAT for rows in claimed)
    assert sum(map(len, claimed)) <= 30 * 10
    # Each chat's claim is the head of its queue, in order.
    assert all([row.payload["text"] for row in rows] == [f"{rows[0].chat_id}:{n}:2" for n in range(PER_CHAT)]
               for rows in claimed)
    # The room is full: a further claim takes nothing but replies.
    async with sessionmaker() as session, session.begin():
        session.add(_message(1099, 10, 0, now))
    replies = await sender._claim(room=0)
    assert [[row.payload["text"] for row in rows] for rows in replies] == [["1099:10:0"]]
