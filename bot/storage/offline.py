"""People without Telegram (flows.offline): loading them as attendees, and
what names them outside their own rows."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import OfflineMember
from flows.context import Attendee
from flows.offline import attendee


async def offline_attendees(session: AsyncSession, case_ids: Collection[int]) -> dict[int, tuple[Attendee, ...]]:
    """Per case, its people without Telegram, in the order they were added."""
    found: dict[int, list[Attendee]] = {case_id: [] for case_id in case_ids}
    if case_ids:
        rows = await session.scalars(select(OfflineMember).where(OfflineMember.case_id.in_(list(case_ids)))
                                     .order_by(OfflineMember.id))
        for row in rows:
            found[row.case_id].append(attendee(row.id, row.name, row.role, row.organisation))
    return {case_id: tuple(people) for case_id, people in found.items()}


async def offline_of(session: AsyncSession, case_id: int) -> tuple[Attendee, ...]:
    return (await offline_attendees(session, [case_id]))[case_id]
