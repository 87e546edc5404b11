"""Retention and the operator's erasure.

`purge` (once a day inside `meetbot run`, or `meetbot purge`) erases closed
cases after the retention period, with the people who took part in no other
case, and the delivery traces the bot no longer needs. `meetbot erase-case`
erases one case at once. Both erase through `bot.storage.erasure`, so
nothing that names an erased person or case is left behind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db.engine import flush_erased, make_engine, make_sessionmaker
from bot.db.models import (
    Answer,
    AuditEntry,
    Case,
    Conversation,
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
from bot.storage.erasure import erase_cases, erase_people, people_only_in

TRACE_DAYS = 7  # sent messages and handled updates: only ids are left, and only for a week


async def purge_in(session: AsyncSession, retention_days: int, now: datetime) -> dict[str, int]:
    """Everything retention erases now, in the caller's transaction; what it erased, counted."""
    erased: dict[str, int] = {}
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
    people = await erase_cases(session, cases)
    # Anyone else in no case at all (never coordinators) goes too.
    unattached = set(await session.scalars(select(Person.id).where(
        Person.is_coordinator.is_(False), Person.id.not_in(select(Participant.person_id)))))
    people += await erase_people(session, unattached)
    erased["people no longer in any case"] = people
    if cases or people:
        session.add(AuditEntry(action="purged", detail={"cases": len(cases), "people": people}, at=now))
    trace_cutoff = now - timedelta(days=TRACE_DAYS)
    result = await session.execute(
        delete(OutboxMessage).where(OutboxMessage.status != "pending", OutboxMessage.created_at < trace_cutoff)
    )
    erased["delivered or undeliverable messages"] = result.rowcount or 0
    result = await session.execute(
        delete(InboundUpdate).where(InboundUpdate.handled_at.is_not(None), InboundUpdate.received_at < trace_cutoff)
    )
    erased["handled updates"] = result.rowcount or 0
    # Someone who opened a link and never finished joining (a typed name, say).
    result = await session.execute(
        delete(Conversation).where(Conversation.chat_id.not_in(select(Person.chat_id)), Conversation.updated_at < trace_cutoff)
    )
    erased["unfinished conversations of people who never joined"] = result.rowcount or 0
    result = await session.execute(delete(Invite).where(Invite.expires_at < cutoff))
    erased["expired invites"] = result.rowcount or 0
    return erased


async def purge_with(sessionmaker, retention_days: int, now: datetime | None = None) -> dict[str, int]:
    now = now or datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        erased = await purge_in(session, retention_days, now)
    await flush_erased(sessionmaker)
    return erased


def report(retention_days: int, erased: dict[str, int]) -> str:
    lines = [f"Retention period: {retention_days} days. Erased:"]
    lines += [f"  {count} {what}" for what, count in erased.items()]
    return "\n".join(lines)


async def purge(settings: Settings) -> str:
    """`meetbot purge` (the command migrates first)."""
    engine = make_engine(settings.database_url)
    try:
        erased = await purge_with(make_sessionmaker(engine), settings.retention_days)
    finally:
        await engine.dispose()
    return report(settings.retention_days, erased)


# ---- one case, at once (meetbot erase-case) ------------------------------------------


@dataclass(frozen=True)
class CaseSummary:
    """What the operator reads before confirming."""

    id: int
    pseudonym: str
    status: str
    created_at: datetime
    closed_at: datetime | None
    meetings: int
    taking_part: int
    leaving: int  # taking part in no other case: erased with it

    def describe(self) -> str:
        since = self.created_at.date().isoformat()
        state = (f"closed on {self.closed_at.date().isoformat()}" if self.status == "closed" and self.closed_at
                 else f"{self.status}, created on {since}")
        return (f"case {self.id} \u201c{self.pseudonym}\u201d ({state}): {self.meetings} meeting(s), "
                f"{self.taking_part} people taking part, {self.leaving} of them in no other case")


async def case_summary(session: AsyncSession, case: Case) -> CaseSummary:
    meetings = await session.scalar(select(func.count()).select_from(Meeting).where(Meeting.case_id == case.id))
    taking_part = await session.scalar(select(func.count()).select_from(Participant).where(Participant.case_id == case.id))
    leaving = await people_only_in(session, [case.id])
    return CaseSummary(case.id, case.pseudonym, case.status, case.created_at, case.closed_at,
                       meetings, taking_part, len(leaving))


async def find_cases(sessionmaker, reference: str) -> list[CaseSummary]:
    """The case with this id, or every case with this pseudonym (they may repeat)."""
    async with sessionmaker() as session:
        if reference.isdigit():
            case = await session.get(Case, int(reference))
            cases = [case] if case else []
        else:
            cases = list(await session.scalars(
                select(Case).where(func.lower(Case.pseudonym) == reference.strip().lower()).order_by(Case.id)))
        return [await case_summary(session, case) for case in cases]


async def erase_case(sessionmaker, case_id: int, now: datetime | None = None) -> int:
    """Erase one case now, with everything about it and the people in no
    other case. The audit line keeps only numbers. Returns how many people
    were erased (-1 if there is no such case)."""
    now = now or datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        if await session.get(Case, case_id) is None:
            return -1
        people = await erase_cases(session, [case_id])
        # The case's own trail went with it; this line says that it was erased, by the operator.
        session.add(AuditEntry(action="erased_case", detail={"case": case_id, "people": people}, at=now))
    await flush_erased(sessionmaker)
    return people
