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
