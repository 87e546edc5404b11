"""Loading a case's plan for the flows and the PDF: a version with the
people, actions, views and answers it names, opened from their sealed form."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Case, Meeting, OfflineAgreement, Person, PlanAgreement, PlanConsent, PlanVersion, Task
from bot.storage.case_coordinators import other_coordinator_chats
from bot.db.models import PlanView as PlanViewRow
from bot.storage.announcing import case_view, meeting_view, people_of
from bot.storage.offline import offline_of
from bot.storage.sealing import Sealer
from bot.storage.tasks import task_views
from flows.offline import attendee_id
from flows.context import Attendee, ConsentContext, ConsentView, PlanAnswer, PlanSnapshot, PlanViewEntry


async def consents_of(session: AsyncSession, case_id: int) -> tuple[ConsentView, ...]:
    rows = await session.scalars(select(PlanConsent).where(PlanConsent.case_id == case_id).order_by(PlanConsent.id))
    return tuple(ConsentView(row.person_id, tuple(row.organisations or ()), row.answer, row.at) for row in rows)


async def consent_context(session: AsyncSession, case_id: int) -> ConsentContext | None:
    case = await session.get(Case, case_id)
    if case is None:
        return None
    coordinator = await session.get(Person, case.coordinator_id) if case.coordinator_id else None
    return ConsentContext(case_view(case), await attendees_of(session, case.id), await consents_of(session, case.id),
                          coordinator.chat_id if coordinator else None, await other_coordinator_chats(session, case))


def seal_content(content: dict, sealer: Sealer) -> str:
    return sealer.seal(json.dumps(content, ensure_ascii=False))


def open_content(text: str, sealer: Sealer) -> dict:
    return json.loads(sealer.open(text))


async def attendees_of(session: AsyncSession, case_id: int) -> tuple[Attendee, ...]:
    """Everyone taking part in the case: those in the bot, then those without Telegram."""
    return tuple(Attendee(person.id, person.chat_id, person.name, participant.role, organisation=participant.organisation)
                 for participant, person in await people_of(session, case_id)) + await offline_of(session, case_id)


async def views_of_meeting(session: AsyncSession, meeting_id: int, people: tuple[Attendee, ...],
                           sealer: Sealer) -> tuple[PlanViewEntry, ...]:
    roles = {p.person_id: p for p in people}
    rows = await session.execute(
        select(PlanViewRow, Person).join(Person, Person.id == PlanViewRow.person_id)
        .where(PlanViewRow.meeting_id == meeting_id).order_by(PlanViewRow.id))
    return tuple(PlanViewEntry(person.id, person.name, roles[person.id].role if person.id in roles else "family",
                               sealer.open(row.text), row.source, row.created_at) for row, person in rows)


async def snapshot(session: AsyncSession, version: PlanVersion, models, sealer: Sealer) -> PlanSnapshot:
    case = await session.get(Case, version.case_id)
    people = await attendees_of(session, case.id)
    meeting = await session.get(Meeting, version.meeting_id) if version.meeting_id else None
    meeting_type = None
    if meeting is not None:
        try:
            meeting_type = models.get(case.model_id).meeting_type(meeting.meeting_type)
        except KeyError:  # a model file changed since: the plan still reads
            meeting_type = None
    content = open_content(version.content, sealer)
    # The actions: this meeting's, and those still open from before (carried over).
    tasks = list(await session.scalars(
        select(Task).where(Task.case_id == case.id, Task.status != "cancelled",
                           (Task.meeting_id == version.meeting_id) | ((Task.status == "open") & (Task.created_at <= version.created_at)))
        .order_by(Task.id)))
    actions = await task_views(session, tasks, sealer)
    views = await views_of_meeting(session, meeting.id, people, sealer) if meeting is not None else ()
    answers = tuple(PlanAnswer(a.person_id, a.answer, sealer.open(a.note) if a.note else None, a.at)
                    for a in await session.scalars(select(PlanAgreement).where(PlanAgreement.plan_version_id == version.id)
                                                   .order_by(PlanAgreement.id)))
    answers += tuple(PlanAnswer(attendee_id(a.member_id), a.answer, sealer.open(a.note) if a.note else None, a.at, a.signed_on)
                     for a in await session.scalars(select(OfflineAgreement).where(OfflineAgreement.plan_version_id == version.id)
                                                    .order_by(OfflineAgreement.id)))
    next_meeting = await session.scalar(
        select(Meeting).where(Meeting.case_id == case.id, Meeting.status == "planned", Meeting.announced_at.is_not(None),
                              Meeting.starts_at > version.created_at).order_by(Meeting.starts_at).limit(1))
    coordinator = await session.get(Person, case.coordinator_id) if case.coordinator_id else None
    newest = await session.scalar(select(PlanVersion.number).where(PlanVersion.case_id == case.id)
                                  .order_by(PlanVersion.number.desc()).limit(1))
    return PlanSnapshot(
        ref=version.ref, number=version.number, case=case_view(case), created_at=version.created_at, content=content,
        people=people, meeting=meeting_view(meeting) if meeting else None,
        meeting_name=meeting_type.name if meeting_type else None,
        child_agrees=meeting_type.child_agrees if meeting_type else False,
        actions=actions, views=views, answers=answers,
        next_meeting=meeting_view(next_meeting) if next_meeting else None,
        coordinator_name=coordinator.name if coordinator else None,
        coordinator_chat_id=coordinator.chat_id if coordinator else None,
        other_coordinator_chats=await other_coordinator_chats(session, case),
        latest=newest == version.number,
        information_consent=meeting_type.information_consent if meeting_type else False,
        consents=await consents_of(session, case.id),
    )


async def latest_version(session: AsyncSession, case_id: int) -> PlanVersion | None:
    return await session.scalar(select(PlanVersion).where(PlanVersion.case_id == case_id)
                                .order_by(PlanVersion.number.desc()).limit(1))


async def plan_by_ref(session: AsyncSession, ref: str, models, sealer: Sealer) -> PlanSnapshot | None:
    version = await session.scalar(select(PlanVersion).where(PlanVersion.ref == ref))
    return await snapshot(session, version, models, sealer) if version is not None else None


async def current_plan(session: AsyncSession, case_id: int, models, sealer: Sealer) -> PlanSnapshot | None:
    version = await latest_version(session, case_id)
    return await snapshot(session, version, models, sealer) if version is not None else None
