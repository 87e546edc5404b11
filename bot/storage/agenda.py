"""A meeting's agenda points: the coordinator's decisions on what people
proposed in their preparation (flows.agenda), opened for the flows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AgendaPoint
from bot.storage.sealing import Sealer
from flows.context import AgendaDecision


async def decisions_of(session: AsyncSession, meeting_id: int, sealer: Sealer) -> tuple[AgendaDecision, ...]:
    """Every decision on the meeting's proposals, in the order they were first decided."""
    rows = await session.scalars(select(AgendaPoint).where(AgendaPoint.meeting_id == meeting_id).order_by(AgendaPoint.id))
    return tuple(AgendaDecision(row.person_id, row.question_id, row.status, sealer.open(row.text) if row.text else None)
                 for row in rows)


async def accepted_points(session: AsyncSession, meeting_id: int, sealer: Sealer) -> tuple[str, ...]:
    """The points the coordinator accepted for the meeting, in order."""
    return tuple(d.text for d in await decisions_of(session, meeting_id, sealer) if d.status == "accepted" and d.text)
