"""How much database work one update costs, counted (not timed): every SQL
statement and commit the running bot makes while a coordinator with a case
works through it, one update after the other (the worst case: nothing is
shared with other people's updates). The inbox, the flow, the outbox and the
sending are all counted, and the bot's background work meanwhile too. The
ceilings are what the design needs (README, "Speed"); a change that adds a
read-back, a claim or a query per update fails here."""

import asyncio
from contextlib import contextmanager

from sqlalchemy import event

from tests.auxil.people import act, create_case, make_coordinator
from tests.auxil.running import running_bot

UPDATES = 8
# Per update, alone: the batch stored (2 statements, 1 commit), the context
# (person with conversation; cases with meetings; people; people without
# Telegram), the position, whether a reply still waits in the chat, the reply,
# the mark "handled" (1 commit), and the message recorded as sent (1 statement,
# 1 commit). Under load the stored batches and the sent records are shared
# (benchmarks/bench_updates.py).
MAX_STATEMENTS = 13
MAX_COMMITS = 3.3


@contextmanager
def counted(runtime):
    counts = {"statements": 0, "commits": 0}

    def statement(*_args):
        counts["statements"] += 1

    def commit(*_args):
        counts["commits"] += 1

    engine = runtime.db.sync_engine
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


async def test_an_update_costs_a_handful_of_statements_and_at_most_three_commits(emulator, database_url):
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
