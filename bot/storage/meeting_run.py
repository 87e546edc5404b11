"""Loading a meeting for the agenda runner: who takes part, and each one's own notes."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Answer, Case, Meeting, Person, PlanVersion
from bot.storage.agenda import accepted_points
from bot.storage.case_coordinators import other_coordinator_chats
from bot.storage.announcing import case_view, meeting_view, people_of
from bot.storage.offline import offline_of
from bot.storage.preparation import answer_view
from bot.storage.sealing import Sealer
from bot.storage.tasks import tasks_of_meeting
from flows.context import Attendee, CaseView, MeetingRun

# What people said, kept in a meeting's progress: sealed like answers.
SEALED_KEYS = ("absent_reason", "views")
PLAN_DRAFT = "plan"  # the plan written during the meeting (flows.plan), sealed whole as JSON


def seal_progress(progress: dict, sealer: Sealer) -> dict:
    sealed = {k: sealer.seal(v) if k in SEALED_KEYS and isinstance(v, str) else v for k, v in progress.items()}
    if isinstance(progress.get(PLAN_DRAFT), dict):
        sealed[PLAN_DRAFT] = sealer.seal(json.dumps(progress[PLAN_DRAFT], ensure_ascii=False))
    return sealed


def open_progress(progress: dict | None, sealer: Sealer) -> dict:
    opened = {k: sealer.open(v) if k in SEALED_KEYS and isinstance(v, str) else v for k, v in (progress or {}).items()}
    if isinstance(opened.get(PLAN_DRAFT), str):
        opened[PLAN_DRAFT] = json.loads(sealer.open(opened[PLAN_DRAFT]))
    return opened


async def meeting_to_run(session: AsyncSession, case_id: int, now: datetime) -> Meeting | None:
    """The running meeting, else the next planned one (it may start a little
    early), else the last one (so the coordinator hears it has ended)."""
    running = await session.scalar(select(Meeting).where(Meeting.case_id == case_id, Meeting.status == "running").limit(1))
    if running is not None:
        return running
    planned = await session.scalar(
        select(Meeting).where(Meeting.case_id == case_id, Meeting.status == "planned").order_by(Meeting.starts_at).limit(1))
    if planned is not None:
        return planned
    return await session.scalar(select(Meeting).where(Meeting.case_id == case_id).order_by(Meeting.starts_at.desc()).limit(1))


async def load_run(session: AsyncSession, case: CaseView, meeting: Meeting, sealer: Sealer, models=None) -> MeetingRun:
    from bot.storage.plan import consents_of, snapshot, views_of_meeting

    rows = await people_of(session, case.id)
    answers = list(await session.scalars(select(Answer).where(Answer.meeting_id == meeting.id).order_by(Answer.id)))
    people = tuple(
        Attendee(person.id, person.chat_id, person.name, participant.role,
                 tuple((a.question_id, answer_view(a, sealer)) for a in answers if a.person_id == person.id),
                 organisation=participant.organisation)
        for participant, person in rows
    ) + await offline_of(session, case.id)
    coordinator = await session.get(Person, case.coordinator_id) if case.coordinator_id else None
    tasks = await tasks_of_meeting(session, meeting.id, sealer)
    # The plan this meeting starts from: the case's last version made before it.
    earlier = await session.scalar(select(PlanVersion).where(
        PlanVersion.case_id == case.id, (PlanVersion.meeting_id != meeting.id) | PlanVersion.meeting_id.is_(None))
        .order_by(PlanVersion.number.desc()).limit(1))
    previous = await snapshot(session, earlier, models, sealer) if earlier is not None and models is not None else None
    views = await views_of_meeting(session, meeting.id, people, sealer)
    coming = await session.scalars(select(Meeting).where(
        Meeting.case_id == case.id, Meeting.status == "planned", Meeting.id != meeting.id,
        Meeting.starts_at > meeting.starts_at).order_by(Meeting.starts_at))
    return MeetingRun(case, meeting_view(meeting), coordinator.chat_id if coordinator else None, open_progress(meeting.progress, sealer),
                      people, tasks, previous, views, await consents_of(session, case.id),
                      tuple(meeting_view(m) for m in coming), await accepted_points(session, meeting.id, sealer),
                      await other_coordinator_chats(session, case))


async def load_run_by_id(session: AsyncSession, meeting_id: int, sealer: Sealer, models=None) -> MeetingRun | None:
    """For a participant's button ("we are ready"): the meeting it names."""
    meeting = await session.get(Meeting, meeting_id)
    case = await session.get(Case, meeting.case_id) if meeting else None
    if case is None:
        return None
    return await load_run(session, case_view(case), meeting, sealer, models)
