"""`meetbot status`: healthy, unhealthy, and never the password."""

from datetime import datetime, timedelta, timezone

from bot.cli import EXIT_DATABASE, EXIT_FAILED
from bot.db.models import InboundUpdate, Job
from bot.ops.status import database_shown
from tests.auxil.running import env_for
from tests.bot.test_startup import closed_port, meetbot



async def test_status_of_a_healthy_bot(emulator, bot, database_url):
    cia = emulator.user(1, "Cia")
    await cia.send_command("help")
    await cia.wait_for(lambda m: "/language" in m.text)
    done = await meetbot("status", env=env_for(emulator, database_url))
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "bot:" in out and "@meetbot_test_bot" in out
    assert "getUpdates answered" in out and "schema:" in out and "0 waiting" in out
    assert "poll on" in out  # the running process, with its role
    assert out.strip().endswith("healthy") and emulator.token not in out


async def test_status_of_an_unhealthy_bot(emulator, database_url, sessionmaker):
    now = datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        session.add(InboundUpdate(update_id=5, payload={"sealed": "x"}, received_at=now - timedelta(minutes=12)))
        session.add(Job(kind="purge", due_at=now - timedelta(minutes=30)))
    env = env_for(emulator, database_url) | {"MEETBOT_API_BASE_URL": f"http://127.0.0.1:{closed_port()}/bot"}
    done = await meetbot("status", env=env)
    assert done.returncode == EXIT_FAILED
    out = done.stdout
    assert "1 waiting (oldest 12 min)" in out and "1 due, the oldest 30 min late" in out
    assert "last contact:" in out and "never" in out
    assert "bot:" in out and "unreachable" in out  # reported, not a crash
    assert "UNHEALTHY: an update has waited 12 min to be handled" in out
    assert "UNHEALTHY: a reminder or job is 30 min late" in out
    assert "UNHEALTHY: the Bot API cannot be asked getMe" in out
    assert emulator.token not in out + done.stderr


async def test_status_names_a_missing_database_and_makes_none(emulator, tmp_path):
    path = tmp_path / "nowhere" / "meetbot.sqlite3"
    done = await meetbot("status", env=env_for(emulator, f"sqlite+aiosqlite:///{path}"))
    assert done.returncode == EXIT_DATABASE and str(path) in done.stderr
    assert not path.exists()


def test_the_database_is_shown_without_its_password(tmp_path):
    shown = database_shown("postgresql://meetbot:s3cret-pw@db.example.org:5433/meetbot")
    assert shown == "PostgreSQL meetbot@db.example.org:5433/meetbot"
    assert database_shown(f"sqlite+aiosqlite:///{tmp_path}/x/../m.sqlite3") == f"SQLite {tmp_path / 'm.sqlite3'}"
