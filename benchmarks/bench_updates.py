"""Updates handled per second, end to end through the Bot API emulator:
meetbot (every update stored, handled in a transaction, its replies written
to the outbox and sent) beside a bare python-telegram-bot echo bot, with the
same people acting the same way in the same run.

Each simulated person acts, waits for the answer, and acts again, like a
person on a phone. Meetbot's people are coordinators creating a case
(`/new`, typing a name, pressing the model, typing date and time, pressing
"no place yet" and "create"), then asking for /meetings and /help: nine
updates each, a mix of texts, commands and button presses."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update  # noqa: E402
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters  # noqa: E402

from benchmarks.fresh import fresh_database  # noqa: E402
from bot.app import Runtime  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db.models import Person  # noqa: E402
from bot.emulator import BotApiEmulator  # noqa: E402

STEPS = 9
TIMEOUT = 60.0


async def _act(user, action):
    before = len(user.messages)
    await action
    return await user.wait_for(after=before, timeout=TIMEOUT)


async def coordinator_session(user) -> None:
    await _act(user, user.send_command("new"))
    await _act(user, user.send_text(f"Family {user.chat_id}"))
    await _act(user, user.press("Systemic meeting"))
    await _act(user, user.send_text("2099-12-03"))
    await _act(user, user.send_text("14:30"))
    await _act(user, user.press("No place yet"))
    await _act(user, user.press("Create the case"))
    await _act(user, user.send_command("meetings"))
    await _act(user, user.send_command("help"))


async def echo_session(user) -> None:
    for i in range(STEPS):
        await _act(user, user.send_text(f"answer {i}"))


async def measure(users, session) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(session(u) for u in users))
    return time.perf_counter() - started


async def run_meetbot(count: int, database_url: str | None) -> float:
    with tempfile.TemporaryDirectory() as folder:
        url = await fresh_database(database_url, folder)
        async with BotApiEmulator() as emulator:
            settings = Settings(token=emulator.token, database_url=url, api_base_url=emulator.base_url,
                                api_file_url=emulator.base_file_url, default_locale="en", poll_timeout=1,
                                # The emulator does not limit here: measure our handling, not Telegram's limits.
                                send_rate_global=10_000, send_rate_per_chat=10_000)
            runtime = Runtime(settings)
            now = datetime.now(timezone.utc)
            async with runtime.sessionmaker() as session, session.begin():
                session.add_all(Person(telegram_user_id=20_000 + i, chat_id=20_000 + i, name=f"C{i}", language="en",
                                       is_coordinator=True, created_at=now) for i in range(count))
            await runtime.start()
            try:
                users = [emulator.user(20_000 + i, f"C{i}", language_code="en") for i in range(count)]
                elapsed = await measure(users, coordinator_session)
            finally:
                await runtime.stop()
    return count * STEPS / elapsed


async def run_echo(count: int) -> float:
    async with BotApiEmulator() as emulator:
        async def echo(update: Update, _context) -> None:
            await update.effective_message.reply_text(update.effective_message.text)

        application = (Application.builder().token(emulator.token).base_url(emulator.base_url)
                       .base_file_url(emulator.base_file_url).build())
        application.add_handler(MessageHandler(filters.TEXT, echo))
        application.add_handler(CallbackQueryHandler(lambda u, c: u.callback_query.answer()))
        async with application:
            await application.start()
            await application.updater.start_polling(poll_interval=0.0, timeout=1)
            users = [emulator.user(30_000 + i, f"E{i}") for i in range(count)]
            elapsed = await measure(users, echo_session)
            await application.updater.stop()
            await application.stop()
    return count * STEPS / elapsed


async def main(count: int, database_url: str | None) -> None:
    echo_rate = await run_echo(count)
    meetbot_rate = await run_meetbot(count, database_url)
    backend = "PostgreSQL" if database_url else "SQLite"
    print(f"{count} people, {STEPS} updates each, {backend}: meetbot {meetbot_rate:.0f} updates/s, "
          f"bare echo bot {echo_rate:.0f} updates/s, ratio {meetbot_rate / echo_rate:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--database-url", help="default: a temporary SQLite file; a PostgreSQL database given here is wiped")
    args = parser.parse_args()
    asyncio.run(main(args.users, args.database_url))
