"""Retention (`meetbot purge`): erase closed cases after the retention period,
and the delivery traces the bot no longer needs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select

from bot.config import Settings
from bot.db.engine import make_engine, make_sessionmaker
from bot.db.migrate import upgrade_async
from bot.db.models import (
    Answer,
    Case,
    Feedback,
    InboundUpdate,
    Invitation,
    Invite,
    Meeting,
    OutboxMessage,
    Participant,
    Person,
    PlanVersion,
    Task,
)

TRACE_DAYS = 7  # sent messages and handled updates: only ids are left, and only for a week


async def purge_with(sessionmaker, retention_days: int, now: datetime | None = None) -> dict[str, int]:
    now = now or datetime.now(timezone.utc)
    erased: dict[str, int] = {}
    async with sessionmaker() as session, session.begin():
        cutoff = now - timedelta(days=retention_days)
        cases = list(await session.scalars(select(Case.id).where(Case.status == "closed", Case.closed_at < cutoff)))
        erased["closed cases"] = len(cases)
        meetings = select(Meeting.id).where(Meeting.case_id.in_(cases))
        # Counted first, so the operator reads what went with the cases.
        for what, query in (
            ("meetings", select(func.count()).select_from(Meeting).where(Meeting.case_id.in_(cases))),
            ("preparation answers", select(func.count()).select_from(Answer).where(Answer.meeting_id.in_(meetings))),
            ("tasks", select(func.count()).select_from(Task).where(Task.case_id.in_(cases))),
            ("invitations and their answers", select(func.count()).select_from(Invitation).where(Invitation.meeting_id.in_(meetings))),
            ("feedback answers", select(func.count()).select_from(Feedback).where(Feedback.meeting_id.in_(meetings))),
            ("plan versions", select(func.count()).select_from(PlanVersion).where(PlanVersion.case_id.in_(cases))),
        ):
            erased[what] = await session.scalar(query) if cases else 0
        if cases:
            # Meetings, participants, invites, feedback and the audit trail go with the case.
            await session.execute(delete(Case).where(Case.id.in_(cases)))
        # People who took part only in erased cases (never coordinators) go too.
        taking_part = select(Participant.person_id)
        result = await session.execute(
            delete(Person).where(Person.is_coordinator.is_(False), Person.id.not_in(taking_part))
            .execution_options(synchronize_session=False))
        erased["people no longer in any case"] = result.rowcount or 0
        trace_cutoff = now - timedelta(days=TRACE_DAYS)
        result = await session.execute(
            delete(OutboxMessage).where(OutboxMessage.status != "pending", OutboxMessage.created_at < trace_cutoff)
        )
        erased["delivered or undeliverable messages"] = result.rowcount or 0
        result = await session.execute(
            delete(InboundUpdate).where(InboundUpdate.handled_at.is_not(None), InboundUpdate.received_at < trace_cutoff)
        )
        erased["handled updates"] = result.rowcount or 0
        result = await session.execute(delete(Invite).where(Invite.expires_at < cutoff))
        erased["expired invites"] = result.rowcount or 0
    return erased


async def purge(settings: Settings) -> str:
    await upgrade_async(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        erased = await purge_with(make_sessionmaker(engine), settings.retention_days)
    finally:
        await engine.dispose()
    lines = [f"Retention period: {settings.retention_days} days. Erased:"]
    lines += [f"  {count} {what}" for what, count in erased.items()]
    return "\n".join(lines)
