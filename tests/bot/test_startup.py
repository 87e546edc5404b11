"""`meetbot` as the operator runs it: a start that cannot work says why in
one line, without the token, and exits with a code that tells what to look
at; the log never holds what people wrote or the token, at any level."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from datetime import timedelta

from bot.cli import EXIT_CONFIG, EXIT_DATABASE, EXIT_NETWORK, EXIT_TOKEN
from bot.config import MAKE_KEY
from tests.auxil.people import act, button, create_case, invite_links, join
from tests.auxil.running import env_for, settings_for, start_bot_process

WRONG_TOKEN = "987654:WRONGsecretTOKENvalue"


async def meetbot(*args, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot.cli", *args], env=env,
                                   capture_output=True, text=True, timeout=timeout)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket is


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


async def test_a_token_telegram_refuses(emulator, tmp_path):
    env = env_for(emulator, f"sqlite:///{tmp_path / 'db.sqlite3'}") | {"MEETBOT_TOKEN": WRONG_TOKEN}
    done = await meetbot("run", env=env)
    assert done.returncode == EXIT_TOKEN
    line = one_line(done.stderr)
    assert "refused the token" in line and WRONG_TOKEN not in line and "WRONGsecret" not in done.stdout


async def test_a_bot_api_that_cannot_be_reached(emulator, tmp_path):
    env = env_for(emulator, f"sqlite:///{tmp_path / 'db.sqlite3'}") | {
        "MEETBOT_API_BASE_URL": f"http://127.0.0.1:{closed_port()}/bot", "MEETBOT_TOKEN": WRONG_TOKEN}
    done = await meetbot("run", env=env)
    assert done.returncode == EXIT_NETWORK
    assert "cannot reach the Bot API" in one_line(done.stderr) and WRONG_TOKEN not in done.stderr


async def test_an_unsupported_default_locale(emulator, tmp_path):
    env = env_for(emulator, f"sqlite:///{tmp_path / 'db.sqlite3'}") | {"MEETBOT_DEFAULT_LOCALE": "de"}
    done = await meetbot("run", env=env)
    assert done.returncode == EXIT_CONFIG
    assert one_line(done.stderr) == "meetbot: MEETBOT_DEFAULT_LOCALE: must be one of sv, da, fi, en"


async def test_a_malformed_key_is_refused_without_showing_it(emulator, tmp_path):
    env = env_for(emulator, f"sqlite:///{tmp_path / 'db.sqlite3'}") | {"MEETBOT_ENCRYPTION_KEY": "my-secret-passphrase"}
    done = await meetbot("run", env=env)
    assert done.returncode == EXIT_CONFIG
    assert "MEETBOT_ENCRYPTION_KEY" in one_line(done.stderr) and "my-secret-passphrase" not in done.stderr


async def test_run_refuses_to_store_answers_unencrypted_unless_told_to(emulator, tmp_path):
    database_url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env = env_for(emulator, database_url) | {"MEETBOT_ENCRYPTION_KEY": ""}
    done = await meetbot("run", env=env)
    assert done.returncode == EXIT_CONFIG
    line = one_line(done.stderr)
    assert MAKE_KEY in line and "MEETBOT_STORE_UNENCRYPTED=true" in line and "keep a copy" in line
    assert emulator.calls_of("getMe") == []  # it stopped before talking to Telegram
    # Told in so many words, it starts (and says so in its log).
    log = tmp_path / "bot.log"
    process = await start_bot_process(emulator, database_url, log_path=log,
                                      MEETBOT_ENCRYPTION_KEY="", MEETBOT_STORE_UNENCRYPTED="true")
    process.terminate()
    await asyncio.to_thread(process.wait)
    assert "answers are stored unencrypted" in log.read_text()


async def test_the_log_at_debug_holds_no_answer_no_name_and_no_token(emulator, tmp_path):
    from bot.coordinators import create_coordinator_invite
    from bot.db.engine import make_engine, make_sessionmaker
    from tests.e2e.test_preparation import start_preparing

    database_url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    log = tmp_path / "bot.log"
    name, answer = "Xanthippe Lowestoft", "Our secret is the blue bicycle"
    process = await start_bot_process(emulator, database_url, log_path=log, MEETBOT_LOG_LEVEL="DEBUG")
    engine = make_engine(database_url)
    try:
        link = await create_coordinator_invite(settings_for(emulator, database_url), username=emulator.bot_username,
                                               ttl=timedelta(hours=1), sessionmaker=make_sessionmaker(engine))
        cia = emulator.user(1, "Cia")
        await act(cia, cia.open_link(link))
        await act(cia, cia.press("I agree"))
        await act(cia, cia.press(button(cia, "Use")), contains="coordinator")
        from tests.auxil.people import tomorrow

        await create_case(cia, date=tomorrow())
        person = emulator.user(2, name)
        await join(person, (await invite_links(cia))["family member"])
        await start_preparing(person)
        await act(person, person.send_text(answer), contains="Saved")
        await cia.wait_until_answered(timeout=10)
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait)
        await engine.dispose()
    written = log.read_text()
    assert " DEBUG " in written  # it did log at DEBUG
    for secret in (answer, name, "Xanthippe", emulator.token):
        assert secret not in written, f"{secret!r} is in the log"


async def test_a_database_that_cannot_be_opened(emulator, tmp_path):
    env = env_for(emulator, f"postgresql://meetbot:dbpassword@127.0.0.1:{closed_port()}/meetbot")
    done = await meetbot("run", env=env)
    assert done.returncode == EXIT_DATABASE
    line = one_line(done.stderr)
    assert "cannot open or migrate the database" in line and "dbpassword" not in line
