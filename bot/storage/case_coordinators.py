"""Who coordinates a case: reading `case_coordinators`, and the changes that
hand a case over, add a second coordinator, or take someone's rights away.

The lead (`cases.coordinator_id`) is always one of the case's coordinators,
or None when nobody coordinates it any more (an orphaned case, for the
operator to hand over)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, exists, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Case, CaseCoordinator, Person


def coordinated_by(person_id: int):
    """The ids of the cases this person coordinates (a subquery): those they lead, and those they are in beside the lead."""
    return union(select(CaseCoordinator.case_id).where(CaseCoordinator.person_id == person_id),
                 select(Case.id).where(Case.coordinator_id == person_id))


async def coordinators_of(session: AsyncSession, case_ids: Collection[int]) -> dict[int, list[Person]]:
    """Each case's coordinators with rights now, the lead first, then in the order they were added.
    The lead counts whether or not the table has their row (case creation and the migration write it)."""
    found: dict[int, list[Person]] = {case_id: [] for case_id in case_ids}
    if not found:
        return found
    leads = (await session.execute(
        select(Case.id, Person).join(Person, Person.id == Case.coordinator_id)
        .where(Case.id.in_(found), Person.is_coordinator.is_(True)))).all()
    for case_id, person in leads:
        found[case_id].append(person)
    rows = (await session.execute(
        select(CaseCoordinator.case_id, Person)
        .join(Person, Person.id == CaseCoordinator.person_id)
        .where(CaseCoordinator.case_id.in_(found), Person.is_coordinator.is_(True))
        .order_by(CaseCoordinator.case_id, CaseCoordinator.id))).all()
    for case_id, person in rows:
        if all(p.id != person.id for p in found[case_id]):
            found[case_id].append(person)
    return found


async def case_coordinators(session: AsyncSession, case: Case) -> list[Person]:
    """Those told what happens in a case (a delivery report, an overdue task): every coordinator of it."""
    return (await coordinators_of(session, [case.id]))[case.id]


async def other_coordinator_chats(session: AsyncSession, case: Case) -> tuple[int, ...]:
    """The chats of a case's coordinators beside its lead: told what the lead is told about the case."""
    return tuple(p.chat_id for p in await case_coordinators(session, case) if p.id != case.coordinator_id)


async def add_coordinator(session: AsyncSession, case: Case, person_id: int, now: datetime) -> bool:
    """Give someone coordinator rights to a case; False if they had them. An orphaned case gets them as its lead."""
    already = await session.scalar(select(CaseCoordinator.id).where(
        CaseCoordinator.case_id == case.id, CaseCoordinator.person_id == person_id))
    if already is None:
        session.add(CaseCoordinator(case_id=case.id, person_id=person_id, added_at=now))
    if case.coordinator_id is None:
        case.coordinator_id = person_id
    await session.flush()
    return already is None


async def take_off(session: AsyncSession, case: Case, person_id: int) -> None:
    """Take someone's coordinator rights to a case away; if they were the lead,
    the coordinator added next after them leads (None if nobody is left)."""
    await session.execute(delete(CaseCoordinator).where(
        CaseCoordinator.case_id == case.id, CaseCoordinator.person_id == person_id)
        .execution_options(synchronize_session=False))
    if case.coordinator_id == person_id:
        case.coordinator_id = await session.scalar(
            select(CaseCoordinator.person_id).join(Person, Person.id == CaseCoordinator.person_id)
            .where(CaseCoordinator.case_id == case.id, Person.is_coordinator.is_(True))
            .order_by(CaseCoordinator.id).limit(1))
    await session.flush()


async def hand_over(session: AsyncSession, case: Case, from_id: int | None, to_id: int, now: datetime) -> None:
    """The case goes from one coordinator to another (already a coordinator):
    the new one leads if the one handing over did, and the one handing over has no rights to it any more."""
    was_lead = case.coordinator_id in (from_id, None)
    await add_coordinator(session, case, to_id, now)
    if from_id is not None and from_id != to_id:
        await take_off(session, case, from_id)
    if was_lead:
        case.coordinator_id = to_id
    await session.flush()


def orphaned():
    """Open cases nobody has coordinator rights to any more (no lead, and nobody beside)."""
    active = (select(CaseCoordinator.id).join(Person, Person.id == CaseCoordinator.person_id)
              .where(CaseCoordinator.case_id == Case.id, Person.is_coordinator.is_(True)))
    return select(Case).where(Case.status == "open", Case.coordinator_id.is_(None), ~exists(active)).order_by(Case.id)
