"""The environment for `meetbot run` as its own process against an emulator,
shared by the end-to-end tests (tests/auxil/running.py) and the benchmarks
(benchmarks/processes.py): the same settings the process reads in
production, pointed at the emulator; each caller adds its own."""

from __future__ import annotations

import os


def bot_process_env(emulator, database_url: str, encryption_key: str, **settings: str) -> dict[str, str]:
    """This process's environment without any MEETBOT_ setting of its own
    (a developer's shell may have some), plus the bot's: the emulator's
    token and URLs, the database, English, a short poll, the key that seals
    what people write, and `settings` (MEETBOT_… names) on top."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEETBOT_")}
    env.update(dict(
        MEETBOT_TOKEN=emulator.token,
        MEETBOT_DATABASE_URL=database_url,
        MEETBOT_API_BASE_URL=emulator.base_url,
        MEETBOT_API_FILE_URL=emulator.base_file_url,
        MEETBOT_DEFAULT_LOCALE="en",
        MEETBOT_POLL_TIMEOUT="1",
        MEETBOT_ENCRYPTION_KEY=encryption_key,
    ), **settings)
    return env
