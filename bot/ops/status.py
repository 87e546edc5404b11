"""`meetbot status`: is the bot healthy, and if not, where to look.

Everything comes from the database (what the running processes stored) and
one getMe with a short timeout, so it works from any host, beside or
without a running bot, and is what the container's HEALTHCHECK runs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import InboundUpdate, Job, OutboxMessage
from bot.ops.contact import last_contact
from bot.ops.models import ServiceProcess
from bot.ops.sharing import ALIVE_FOR

GET_ME_TIMEOUT = 5.0
# Beyond these, something is stuck.
POLL_SILENCE = timedelta(minutes=5)  # a poller asks at least every MEETBOT_POLL_TIMEOUT (≤ 50 s)
UPDATE_WAIT = timedelta(minutes=5)
OUTBOX_WAIT = timedelta(minutes=10)
JOB_LAG = timedelta(minutes=10)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def database_shown(database_url: str) -> str:
    """Which database: a SQLite file's absolute path, or user@host:port/name; never the password."""
    from pathlib import Path

    try:
        url = make_url(database_url)
    except Exception:
        return "MEETBOT_DATABASE_URL (cannot be read)"
    if url.get_backend_name() == "sqlite":
        return f"SQLite {Path(url.database).resolve()}" if url.database and url.database != ":memory:" else "SQLite in memory"
    who = f"{url.username}@" if url.username else ""
    port = f":{url.port}" if url.port else ""
    return f"PostgreSQL {who}{url.host or 'localhost'}{port}/{url.database or ''}"


def missing_sqlite_file(database_url: str):
    """The absolute path of a SQLite database file that does not exist (opening it would
    make a new, empty one), else None."""
    from pathlib import Path

    try:
        url = make_url(database_url)
    except Exception:
        return None
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    path = Path(url.database).resolve()
    return None if path.exists() else path


def _age(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


@dataclass
class Report:
    lines: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Numbers, for /metrics as well.
    updates_waiting: int = 0
    updates_failed: int = 0
    outbox: dict[str, int] = field(default_factory=dict)
    jobs_due: int = 0
    jobs_lag: float = 0.0
    oldest: tuple = (None, None, None)  # when the oldest waiting update, message, due job came

    @property
    def healthy(self) -> bool:
        return not self.problems

    def add(self, label: str, value: str) -> None:
        self.lines.append((label, value))

    def render(self) -> str:
        width = max(len(label) for label, _ in self.lines) if self.lines else 0
        out = [f"{label + ':':<{width + 1}} {value}" for label, value in self.lines]
        out.append("")
        out += ["healthy"] if self.healthy else [f"UNHEALTHY: {p}" for p in self.problems]
        return "\n".join(out)


async def backlog(sessionmaker: async_sessionmaker, report: Report, now: datetime) -> None:
    """The queues: updates, outbox, jobs (also what /metrics shows)."""
    async with sessionmaker() as session:
        waiting, oldest_update = (await session.execute(
            select(func.count(), func.min(InboundUpdate.received_at)).where(InboundUpdate.handled_at.is_(None)))).one()
        report.updates_waiting = waiting
        report.updates_failed = await session.scalar(
            select(func.count()).select_from(InboundUpdate).where(InboundUpdate.error.is_not(None)))
        report.outbox = dict((await session.execute(
            select(OutboxMessage.status, func.count()).where(OutboxMessage.status != "sent")
            .group_by(OutboxMessage.status))).all())
        oldest_message = await session.scalar(
            select(func.min(OutboxMessage.not_before)).where(OutboxMessage.status == "pending"))
        report.jobs_due, oldest_job = (await session.execute(
            select(func.count(), func.min(Job.due_at)).where(Job.done_at.is_(None), Job.due_at <= now))).one()
    report.jobs_lag = max(0.0, (now - oldest_job).total_seconds()) if oldest_job else 0.0
    if oldest_update is not None and now - oldest_update > UPDATE_WAIT:
        report.problems.append(f"an update has waited {_age(now - oldest_update)} to be handled")
    if oldest_message is not None and now - oldest_message > OUTBOX_WAIT:
        report.problems.append(f"a message has waited {_age(now - oldest_message)} to be sent")
    if report.jobs_lag > JOB_LAG.total_seconds():
        report.problems.append(f"a reminder or job is {_age(timedelta(seconds=report.jobs_lag))} late")
    report.oldest = (oldest_update, oldest_message, oldest_job)


async def bot_username(settings) -> str:
    """@username from getMe; raises with a short reason when Telegram cannot be asked."""
    if settings.token is None:
        raise RuntimeError("MEETBOT_TOKEN is not set")
    async with httpx.AsyncClient(timeout=GET_ME_TIMEOUT) as http:
        answer = await http.post(f"{settings.api_base_url}{settings.token.get_secret_value()}/getMe")
    body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
    if not body.get("ok"):
        raise RuntimeError(f"Telegram answered {answer.status_code}: {body.get('description', 'not the Bot API')}")
    return "@" + body["result"]["username"]


async def status_report(settings, sessionmaker: async_sessionmaker, *, now: datetime | None = None) -> Report:
    from bot.db.migrate import alembic_config
    from alembic.script import ScriptDirectory

    now = now or _utcnow()
    report = Report()
    report.add("database", database_shown(settings.database_url))
    head = ScriptDirectory.from_config(alembic_config(settings.database_url)).get_current_head()
    async with sessionmaker() as session:
        try:
            version = await session.scalar(text("SELECT version_num FROM alembic_version"))
        except Exception:
            version = None
    report.add("schema", f"{version or 'none'}" + ("" if version == head else f" (newest is {head}: run `meetbot migrate`)"))
    if version != head:
        report.problems.append("the database is not at the newest schema")
        return report  # the tables below may not be there yet

    contact = await last_contact(sessionmaker)
    if contact is None:
        report.add("last contact", "never (no poll or webhook call has succeeded yet)")
    else:
        kind, at = contact
        how = "getUpdates answered" if kind == "poll" else "webhook call accepted"
        report.add("last contact", f"{how} {_age(now - at)} ago ({at:%Y-%m-%d %H:%M:%S} UTC)")
        if kind == "poll" and now - at > POLL_SILENCE:
            report.problems.append(f"no poll has succeeded for {_age(now - at)}")

    async with sessionmaker() as session:
        processes = list(await session.scalars(
            select(ServiceProcess).where(ServiceProcess.seen_at >= now - ALIVE_FOR).order_by(ServiceProcess.started_at)))
    report.add("processes", ", ".join(f"{p.role} on {p.host} (pid {p.pid})" for p in processes) or "none running")

    await backlog(sessionmaker, report, now)
    oldest_update, oldest_message, oldest_job = report.oldest
    report.add("updates", f"{report.updates_waiting} waiting"
               + (f" (oldest {_age(now - oldest_update)})" if oldest_update else "")
               + f", {report.updates_failed} not handled (gave up or unreadable)")
    o = report.outbox
    report.add("outbox", f"{o.get('pending', 0)} waiting" + (f" (oldest due {_age(now - oldest_message)} ago)"
                                                             if oldest_message and oldest_message < now else "")
               + f", {o.get('failed', 0)} failed, {o.get('undeliverable', 0) + o.get('blocked', 0)} blocked or undeliverable")
    report.add("jobs", f"{report.jobs_due} due" + (f", the oldest {_age(timedelta(seconds=report.jobs_lag))} late"
                                                  if report.jobs_due else ""))
    try:
        report.add("bot", await asyncio.wait_for(bot_username(settings), GET_ME_TIMEOUT + 1))
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if settings.token is not None:
            reason = reason.replace(settings.token.get_secret_value(), "<redacted>")
        report.add("bot", f"unreachable ({reason})")
        report.problems.append(f"the Bot API cannot be asked getMe at {settings.api_base_url}")
    return report
