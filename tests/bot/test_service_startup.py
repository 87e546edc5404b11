"""Starting in webhook mode, as the operator does: a wrong setting is one line with its exit code."""

from __future__ import annotations

import socket

from bot.cli import EXIT_CONFIG
from tests.auxil.running import env_for
from tests.bot.test_startup import meetbot, one_line


async def test_a_webhook_address_that_is_not_https_is_refused(emulator, tmp_path):
    env = env_for(emulator, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    done = await meetbot("run", "--webhook", "http://meetbot.example.org/hook", env=env)
    assert done.returncode == EXIT_CONFIG and "https" in one_line(done.stderr)
    done = await meetbot("run", env=env | {"MEETBOT_WEBHOOK_URL": "http://meetbot.example.org/hook"})
    assert done.returncode == EXIT_CONFIG and one_line(done.stderr).startswith("meetbot: MEETBOT_WEBHOOK_URL: must be an https")


async def test_a_secret_telegram_would_refuse_is_refused_without_showing_it(emulator, tmp_path):
    env = env_for(emulator, f"sqlite:///{tmp_path / 'db.sqlite3'}") | {"MEETBOT_WEBHOOK_SECRET": "my secret!"}
    done = await meetbot("run", "--webhook", "https://meetbot.example.org/hook", env=env)
    assert done.returncode == EXIT_CONFIG
    assert "MEETBOT_WEBHOOK_SECRET" in one_line(done.stderr) and "my secret!" not in done.stderr


async def test_a_webhook_port_already_taken_is_one_line(emulator, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = env_for(emulator, f"sqlite:///{tmp_path / 'db.sqlite3'}") | {"MEETBOT_WEBHOOK_LISTEN": f"127.0.0.1:{port}"}
        done = await meetbot("run", "--webhook", "https://meetbot.example.org/hook", env=env)
    assert done.returncode == EXIT_CONFIG
    assert f"MEETBOT_WEBHOOK_LISTEN 127.0.0.1:{port}: cannot listen there" in one_line(done.stderr)
    assert emulator.webhook_url == ""  # Telegram was not pointed at a server that is not there


def test_a_relative_sqlite_path_is_resolved_once_against_the_start_folder(tmp_path, monkeypatch):
    from bot.config import Settings

    monkeypatch.chdir(tmp_path)
    settings = Settings(database_url="sqlite+aiosqlite:///data/meetbot.sqlite3", _env_file=None)
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'meetbot.sqlite3'}"
    monkeypatch.chdir("/")
    assert Settings(database_url=settings.database_url, _env_file=None).database_url == settings.database_url
    pg = "postgresql://meetbot:pw@db/meetbot"
    assert Settings(database_url=pg, _env_file=None).database_url == pg


async def test_run_says_which_database_and_settings_file_it_uses(emulator, tmp_path):
    import asyncio
    import subprocess
    import sys

    (tmp_path / ".env").write_text("MEETBOT_DEFAULT_LOCALE=en\n")
    env = env_for(emulator, "sqlite+aiosqlite:///meetbot.sqlite3")
    process = await asyncio.to_thread(subprocess.Popen, [sys.executable, "-m", "bot.cli", "run"], env=env, cwd=tmp_path,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for _ in range(200):
            if emulator.calls_of("getUpdates"):
                break
            await asyncio.sleep(0.05)
    finally:
        process.terminate()
        out, _err = await asyncio.to_thread(process.communicate)
    assert f"database: SQLite {tmp_path / 'meetbot.sqlite3'}" in out
    assert f"settings file: {tmp_path / '.env'} (read)" in out
