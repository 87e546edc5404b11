"""Starting the real bot (python-telegram-bot Application, engine, inbox,
outbox) against the emulator, in this process or as a separate process."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from contextlib import asynccontextmanager

from cryptography.fernet import Fernet

from bot.app import Runtime
from bot.config import Settings
from bot.emulator.process_env import bot_process_env

# The tests' own encryption key, one for the whole run, so a bot restarted
# on the same database (a test that kills it) still reads what it stored.
TEST_KEY = Fernet.generate_key().decode()


def settings_for(emulator, database_url: str, **overrides) -> Settings:
    values = dict(
        token=emulator.token,
        database_url=database_url,
        api_base_url=emulator.base_url,
        api_file_url=emulator.base_file_url,
        default_locale="en",
        default_timezone="Europe/Stockholm",
        poll_timeout=1,
        # Telegram's per-chat pace is tested on its own (tests/e2e/test_durability.py);
        # journeys need not wait a second between two messages.
        send_rate_per_chat=50.0,
        # Reminders are tested with their own times and clock; by default the
        # night is no different, and the scheduler looks often.
        quiet_hours="",
        scheduler_interval=0.2,
        encryption_key=TEST_KEY,
    )
    values.update(overrides)
    return Settings(**values)


@asynccontextmanager
async def running_bot(emulator, database_url: str, *, clock=None, **overrides):
    runtime = Runtime(settings_for(emulator, database_url, **overrides), clock=clock)
    await runtime.start()
    try:
        yield runtime
    finally:
        await runtime.stop()


def env_for(emulator, database_url: str) -> dict[str, str]:
    return bot_process_env(emulator, database_url, TEST_KEY,
                           MEETBOT_SEND_RATE_PER_CHAT="50", MEETBOT_QUIET_HOURS="", MEETBOT_SCHEDULER_INTERVAL="0.2")


async def start_bot_process(emulator, database_url: str, *, log_path=None, **env) -> subprocess.Popen:
    """`meetbot run` as its own process, so a test can kill -9 it. Its log
    goes to a file (`log_path`, else a temporary one): a pipe nobody reads
    would fill up and stop the process. `env` adds or changes settings
    (MEETBOT_LOG_LEVEL="DEBUG", say)."""
    log = open(log_path, "w+b") if log_path else tempfile.TemporaryFile()
    polls_before = len(emulator.calls_of("getUpdates"))
    process = await asyncio.to_thread(
        subprocess.Popen,
        [sys.executable, "-m", "bot.cli", "run"],
        env={**env_for(emulator, database_url), **env},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    # Wait until this process polls (an earlier bot may have polled this emulator before).
    for _ in range(400):
        if len(emulator.calls_of("getUpdates")) > polls_before:
            return process
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(log.read().decode())
        await asyncio.sleep(0.05)
    raise TimeoutError("the bot process did not start")
