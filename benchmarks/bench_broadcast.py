"""A next meeting announced to N people (some of whom blocked the bot) through
the real bot and the emulator's Telegram-like rate limits: how long the
coordinator's "send" takes to handle, how long until everyone has the
invitation and its calendar file, and until the coordinator hears who could
not be reached."""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.fresh import fresh_database  # noqa: E402
from bot.app import Runtime  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db.models import Case, Meeting, Participant, Person  # noqa: E402
from bot.emulator import BotApiEmulator  # noqa: E402

ROLES = ("family", "network", "professional")


async def _case_with(runtime: Runtime, emulator, people: int):
    """A coordinator and a case whose first meeting has ended, with `people`
    participants who joined earlier (written straight to the database)."""
    now = datetime.now(timezone.utc)
    cia = emulator.user(1, "Cia", language_code="sv")
    users = [emulator.user(10_000 + i, f"Person {i}", language_code=("sv", "da", "fi", "en")[i % 4]) for i in range(people)]
    async with runtime.sessionmaker() as session, session.begin():
        coordinator = Person(telegram_user_id=1, chat_id=1, name="Cia", language="sv", is_coordinator=True)
        session.add(coordinator)
        await session.flush()
        case = Case(pseudonym="Family A", coordinator_id=coordinator.id, model_id="systemic", timezone="Europe/Stockholm")
        session.add(case)
        await session.flush()
        session.add(Meeting(case_id=case.id, meeting_type="meeting", starts_at=now - timedelta(days=1), place="Town hall",
                            status="ended"))
        for i, user in enumerate(users):
            person = Person(telegram_user_id=user.id, chat_id=user.chat_id, name=user.first_name,
                            language=user.language_code)
            session.add(person)
            await session.flush()
            session.add(Participant(case_id=case.id, person_id=person.id, role=ROLES[i % len(ROLES)]))
            user.started = True  # they opened their invite link earlier
    return cia, users


async def main(people: int, blocked: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = await fresh_database(database_url, folder)
        async with BotApiEmulator(rate_limits=True) as emulator:
            settings = Settings(token=emulator.token, database_url=url, api_base_url=emulator.base_url,
                                api_file_url=emulator.base_file_url, poll_timeout=1, quiet_hours="", scheduler_interval=1.0)
            runtime = Runtime(settings)
            await runtime.start()
            try:
                cia, users = await _case_with(runtime, emulator, people)
                for user in users[:blocked]:
                    user.blocked = True
                await cia.send_command("next")
                await cia.wait_for(lambda m: any(b.callback_data and "next:send" in b.callback_data for row in m.buttons for b in row),
                                   timeout=60)
                tracemalloc.start()
                rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                started = time.perf_counter()
                before = len(cia.messages)
                send = next(b.text for row in cia.last_bot_message.buttons for b in row if "next:send" in (b.callback_data or ""))
                await cia.press(send)
                await cia.wait_for(lambda m: "📣" in m.text, after=before, timeout=120)
                handled = time.perf_counter() - started
                reached = users[blocked:]
                while sum(1 for u in reached if any(m.document for m in u.bot_messages)) < len(reached):
                    await asyncio.sleep(0.2)
                delivered = time.perf_counter() - started
                report = await cia.wait_for(lambda m: "Person" in m.text and "📣" in m.text, after=before, timeout=120)
                reported = time.perf_counter() - started
                _current, peak = tracemalloc.get_traced_memory()
                rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                named = sum(1 for u in users[:blocked] if u.first_name in report.text)
                refused = sum(1 for c in emulator.calls if c.status == 429)
            finally:
                await runtime.stop()
    messages = 2 * len(reached)  # the invitation and its calendar file
    print(f"broadcast to {people} people ({blocked} blocked the bot): 'send' handled in {handled:.2f} s; "
          f"{messages} messages delivered to {len(reached)} in {delivered:.1f} s ({messages / delivered:.1f}/s; "
          f"ideal {messages / 30:.1f} s at 30/s); coordinator told of {named} of {blocked} unreachable after {reported:.1f} s; "
          f"429s: {refused}; Python heap peak {peak / 1e6:.1f} MB; max RSS {rss_after / 1024:.0f} MB "
          f"(+{(rss_after - rss_before) / 1024:.0f} MB)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--blocked", type=int, default=10)
    parser.add_argument("--database-url", help="default: a temporary SQLite file; a PostgreSQL database given here is wiped")
    args = parser.parse_args()
    asyncio.run(main(args.people, args.blocked, args.database_url))
