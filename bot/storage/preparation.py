"""Loading preparations and answers for the flows, opening sealed answers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Answer, Case, Meeting, Participant, PlanVersion, Preparation, Task
from bot.storage.agenda import accepted_points, decisions_of
from bot.storage.announcing import invited_ids, meeting_view, people_of
from bot.storage.sealing import Sealer
from bot.storage.tasks import task_views
from flows import goal_progress
from flows.context import (
    AnswerView,
    CaseView,
    PrepOverview,
    PrepPerson,
    PrepView,
    SharedAnswer,
    TaskView,
)
from flows.goal_progress import open_goals
from flows.timing import prep_opens_at

# A preparation stays loadable this long after its meeting started, so a late
# button press is told "closed" rather than "not available".
KEEP_AFTER_START = timedelta(days=2)


def answer_view(row: Answer, sealer: Sealer) -> AnswerView:
    content = sealer.open(row.content)
    return AnswerView(row.kind, json.loads(content) if content else {}, row.visibility)


def opens_at(meeting: Meeting, meeting_type, zone: str) -> datetime:
    return prep_opens_at(meeting.starts_at, meeting_type.prep_opens_days, zone, meeting.prep_opens_at)


async def previous_meeting(session: AsyncSession, meeting: Meeting) -> Meeting | None:
    return await session.scalar(
        select(Meeting).where(Meeting.case_id == meeting.case_id, Meeting.starts_at < meeting.starts_at,
                              Meeting.status != "cancelled").order_by(Meeting.starts_at.desc()).limit(1)
    )


async def is_follow_up(session: AsyncSession, meeting: Meeting) -> bool:
    return await previous_meeting(session, meeting) is not None


async def previous_plan(session: AsyncSession, meeting: Meeting, previous: Meeting | None,
                        sealer: Sealer) -> tuple[tuple[dict, ...], tuple[TaskView, ...]]:
    """Where a follow-up starts from: the goals still worked on in the case's plan
    so far, and its actions with how each stands now (done and dropped too).
    A case whose earlier meeting made no plan has that meeting's tasks."""
    if previous is None:
        return (), ()
    version = await session.scalar(select(PlanVersion).where(
        PlanVersion.case_id == meeting.case_id, (PlanVersion.meeting_id != meeting.id) | PlanVersion.meeting_id.is_(None))
        .order_by(PlanVersion.number.desc()).limit(1))
    if version is None:
        tasks = await session.scalars(select(Task).where(Task.meeting_id == previous.id).order_by(Task.id))
        return (), await task_views(session, list(tasks), sealer)
    content = json.loads(sealer.open(version.content))
    # Its own meeting's actions, and those carried over into it (open then: open now, or done since).
    tasks = await session.scalars(select(Task).where(
        Task.case_id == meeting.case_id,
        (Task.meeting_id == version.meeting_id)
        | ((Task.created_at <= version.created_at) & ((Task.status == "open") | (Task.done_at >= version.created_at))))
        .order_by(Task.id))
    return open_goals(content.get("goals")), await task_views(session, list(tasks), sealer)


async def load_preparations(session: AsyncSession, person_id: int, now: datetime, models, sealer: Sealer) -> tuple[PrepView, ...]:
    rows = (await session.execute(
        select(Meeting, Case, Participant)
        .join(Case, Case.id == Meeting.case_id)
        .join(Participant, Participant.case_id == Case.id)
        .where(Participant.person_id == person_id, Case.status == "open", Meeting.status != "cancelled",
               Meeting.starts_at > now - KEEP_AFTER_START)
        .order_by(Meeting.starts_at)
    )).all()
    views = []
    for meeting, case, participant in rows:
        model = models.get(case.model_id)
        if model is None:
            continue
        meeting_type = model.meeting_type(meeting.meeting_type)
        if participant.role not in meeting_type.participants:
            continue
        invited = await invited_ids(session, meeting.id)
        if invited is not None and person_id not in invited:
            continue  # an announced meeting is prepared by those invited to it
        prep = await session.scalar(select(Preparation).where(Preparation.meeting_id == meeting.id, Preparation.person_id == person_id))
        answers = await session.scalars(select(Answer).where(Answer.meeting_id == meeting.id, Answer.person_id == person_id))
        previous = await previous_meeting(session, meeting)
        goals, actions = await previous_plan(session, meeting, previous, sealer)
        views.append(PrepView(
            meeting_id=meeting.id, case_id=case.id, pseudonym=case.pseudonym, model_id=case.model_id,
            meeting_type=meeting.meeting_type, starts_at=meeting.starts_at, opens_at=opens_at(meeting, meeting_type, case.timezone),
            timezone=case.timezone, meeting_status=meeting.status, role=participant.role,
            follow_up=previous is not None,
            previous_goals=goals, previous_actions=actions, status=prep.status if prep else "new",
            position=prep.position if prep else 0, part=(prep.part or 0) if prep else 0,
            answers={a.question_id: answer_view(a, sealer) for a in answers},
            agenda=await accepted_points(session, meeting.id, sealer) if meeting_type.agenda_from else (),
        ))
    return tuple(views)


async def next_meeting(session: AsyncSession, case_id: int, now: datetime) -> Meeting | None:
    """The meeting preparation is about: the next planned one, else the latest."""
    coming = await session.scalar(
        select(Meeting).where(Meeting.case_id == case_id, Meeting.status == "planned", Meeting.starts_at > now)
        .order_by(Meeting.starts_at).limit(1)
    )
    if coming is not None:
        return coming
    return await session.scalar(select(Meeting).where(Meeting.case_id == case_id, Meeting.status != "cancelled")
                                .order_by(Meeting.starts_at.desc()).limit(1))


async def load_overview(session: AsyncSession, case: CaseView, now: datetime, models, sealer: Sealer) -> PrepOverview | None:
    meeting = await next_meeting(session, case.id, now)
    model = models.get(case.model_id)
    if meeting is None or model is None:
        return None
    meeting_type = model.meeting_type(meeting.meeting_type)
    previous = await previous_meeting(session, meeting)
    follow_up = previous is not None
    goals, actions = await previous_plan(session, meeting, previous, sealer)
    people_rows = await people_of(session, case.id)
    preps = {p.person_id: p for p in await session.scalars(select(Preparation).where(Preparation.meeting_id == meeting.id))}
    answers = list(await session.scalars(select(Answer).where(Answer.meeting_id == meeting.id).order_by(Answer.id)))
    invited = await invited_ids(session, meeting.id)
    people, shared = [], []
    for participant, person in people_rows:
        asked = {q.id for q in (*goal_progress.questions_for(meeting_type, participant.role, person.id, goals, actions),
                                *meeting_type.questions_for(participant.role, follow_up))}
        if not asked or (invited is not None and person.id not in invited):
            continue
        mine = [a for a in answers if a.person_id == person.id and a.question_id in asked]
        prep = preps.get(person.id)
        people.append(PrepPerson(person.id, person.chat_id, person.name, participant.role, prep.status if prep else "new",
                                 sum(1 for a in mine if a.kind != "skipped"), len(asked)))
        for row in mine:
            # Private notes are not even opened here: they never reach the coordinator's side.
            if row.visibility in ("meeting", "coordinator") and row.kind != "skipped":
                shared.append(SharedAnswer(person.id, person.name, participant.role, row.question_id, answer_view(row, sealer)))
    view_meeting = meeting_view(meeting)
    agenda = await decisions_of(session, meeting.id, sealer) if meeting_type.agenda_from else ()
    return PrepOverview(case, view_meeting, opens_at(meeting, meeting_type, case.timezone), follow_up, tuple(people),
                        tuple(shared), goals, agenda)
