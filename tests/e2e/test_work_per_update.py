"""How much database work one update costs, counted (not timed): every SQL
statement and commit the running bot makes while a coordinator with a case
sends one update after the other (the worst case: nothing is shared with
other people's updates). The inbox, the flow, the outbox and the sending are
all counted; what the bot does every so often whatever comes in (the
scheduler's, the document worker's and the heartbeat's rounds, the sender's
and the inbox's periodic look, the inbox lock's check) is not, as it is per
second, not per update. The ceilings are what the design needs (README,
"Speed"); a change that adds a read-back, a claim or a query per update
fails here."""

import asyncio
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from sqlalchemy import event, select, update

from bot.db.models import InboundUpdate, OutboxMessage

from tests.auxil.people import act, create_case, make_coordinator
from tests.auxil.running import running_bot

UPDATES = 8
# Per update, alone: the batch stored already handled, the offset, the
# context (person with conversation and whether a reply waits; cases with
# meetings; their people; people without Telegram) and the reply, in one
# transaction (7 statements, 1 commit); the message recorded as sent (1
# statement, 1 commit). Under load stored batches and sent records are
# shared by several updates (benchmarks/bench_updates.py).
MAX_STATEMENTS = 8.5
MAX_COMMITS = 2
BACKGROUND_TASKS = {"sender", "scheduler", "documents", "heartbeat", "menus"}
PERIODIC = ("SELECT 1", "SELECT inbound_updates.update_id, inbound_updates.payload FROM")


@contextmanager
def counted(runtime):
    counts = {"statements": 0, "commits": 0}

    def per_update() -> bool:
        task = asyncio.current_task()
        return task is None or task.get_name() not in BACKGROUND_TASKS

    def statement(_conn, _cursor, text, *_args):
        if per_update() and not text.startswith(PERIODIC):
            counts["statements"] += 1

    def commit(*_args):
        if per_update():
            counts["commits"] += 1

    engine = runtime.db.sync_engine
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


async def test_an_update_costs_at_most_eight_statements_and_two_commits(emulator, database_url):
    # The scheduler looks rarely here: its look is not part of an update.
    async with running_bot(emulator, database_url, scheduler_interval=60) as bot:
        anna = await make_coordinator(emulator, bot, emulator.user(1, "Anna"))
        await create_case(anna)
        await asyncio.sleep(0.6)  # the case's last messages recorded as sent
        with counted(bot) as counts:
            for i in range(UPDATES):
                await act(anna, anna.send_command("help"), contains="/meetings")
            await asyncio.sleep(0.2)  # the last message recorded as sent
        statements, commits = counts["statements"] / UPDATES, counts["commits"] / UPDATES
        assert statements <= MAX_STATEMENTS, f"{statements:.1f} statements per update"
        assert commits <= MAX_COMMITS, f"{commits:.1f} commits per update"


async def test_a_reply_is_not_handed_over_past_an_earlier_reply_that_waits(emulator, database_url):
    """Replies are written claimed and handed to the sender in memory only
    when no earlier reply to that chat waits; one that waits after a failure
    keeps the new one behind it, in order."""
    async with running_bot(emulator, database_url, scheduler_interval=60) as bot:
        anna = emulator.user(2, "Anna")
        await act(anna, anna.send_command("help"), contains="/language")
        now = datetime.now(timezone.utc)
        async with bot.sessionmaker() as session, session.begin():
            waiting = OutboxMessage(chat_id=anna.chat_id, method="sendMessage", payload={"text": "the earlier reply"},
                                    priority=0, created_at=now, not_before=now + timedelta(minutes=5), attempts=1)
            session.add(waiting)
        seen = len(anna.messages)
        sent = await anna.send_command("help")
        async with bot.sessionmaker() as session:
            await until_handled(session, sent["update_id"])
        await asyncio.sleep(1.0)  # the sender had every chance to send it
        assert len(anna.messages) == seen + 1  # only what Anna wrote
        async with bot.sessionmaker() as session:
            behind = (await session.scalars(select(OutboxMessage).where(
                OutboxMessage.chat_id == anna.chat_id, OutboxMessage.id > waiting.id))).all()
            assert behind and all(row.status == "pending" and row.claim is None for row in behind)
        async with bot.sessionmaker() as session, session.begin():  # the earlier one may go now
            await session.execute(update(OutboxMessage).where(OutboxMessage.id == waiting.id).values(not_before=now))
        bot.sender.wake()
        await anna.wait_for(lambda m: "/language" in m.text, after=seen + 1, timeout=10)
        texts = [m.text for m in anna.bot_messages]
        assert texts.index("the earlier reply") < len(texts) - 1  # the earlier one first


async def until_handled(session, update_id: int) -> None:
    for _ in range(200):
        row = await session.get(InboundUpdate, update_id, populate_existing=True)
        if row is not None and row.handled_at is not None:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the update was not handled")

