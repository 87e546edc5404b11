"""Loading feedback for the flows: the meetings a person may tell about, and a
coordinator's results for one case. Free texts are opened here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Case, Feedback, Meeting, Participant, Person
from bot.storage.case_coordinators import other_coordinator_chats
from bot.storage.announcing import has_taken_place, meeting_view
from bot.storage.sealing import Sealer
from flows.context import CaseView, FeedbackGiven, FeedbackOpening, FeedbackResults

RECENT = 3  # ended meetings per case a person is offered (only the newest is usually still open)


async def _feedback_of(session: AsyncSession, meeting_id: int, person_id: int) -> Feedback | None:
    return await session.scalar(select(Feedback).where(Feedback.meeting_id == meeting_id, Feedback.person_id == person_id))


async def load_openings(session: AsyncSession, person_id: int, now: datetime, sealer: Sealer) -> tuple[FeedbackOpening, ...]:
    """The person's ended meetings in their open cases, newest first, each with
    whether they were there and whether it is still time to tell about it."""
    rows = (await session.execute(
        select(Participant, Case).join(Case, Case.id == Participant.case_id)
        .where(Participant.person_id == person_id, Case.status == "open")
    )).all()
    openings = []
    for participant, case in rows:
        coordinator = await session.get(Person, case.coordinator_id) if case.coordinator_id else None
        others = await other_coordinator_chats(session, case)
        meetings = list(await session.scalars(
            select(Meeting).where(Meeting.case_id == case.id, Meeting.status != "cancelled").order_by(Meeting.starts_at, Meeting.id)))
        ended = [m for m in meetings if m.status == "ended"]
        for i in reversed(range(max(0, len(ended) - RECENT), len(ended))):
            meeting = ended[i]
            later_begun = any(m.starts_at > meeting.starts_at and has_taken_place(m, now) for m in meetings)
            mine = await _feedback_of(session, meeting.id, person_id)
            before = await _feedback_of(session, ended[i - 1].id, person_id) if i > 0 else None
            openings.append(FeedbackOpening(
                meeting=meeting_view(meeting), case_id=case.id, pseudonym=case.pseudonym, model_id=case.model_id,
                timezone=case.timezone, role=participant.role,
                present=person_id in (meeting.progress or {}).get("present", []),
                open=not later_begun,
                scores=dict(mine.scores or {}) if mine else {},
                comment=sealer.open(mine.comment) if mine and mine.comment else None,
                submitted=bool(mine and mine.submitted_at),
                previous=dict(before.scores or {}) if before is not None and before.submitted_at else {},
                coordinator_chat_id=coordinator.chat_id if coordinator else None,
                other_coordinator_chats=others,
            ))
    openings.sort(key=lambda o: o.meeting.starts_at, reverse=True)
    return tuple(openings)


async def load_results(session: AsyncSession, case: CaseView, sealer: Sealer) -> FeedbackResults:
    """Every ended meeting of the case with the feedback sent about it, oldest first."""
    meetings = list(await session.scalars(
        select(Meeting).where(Meeting.case_id == case.id, Meeting.status == "ended").order_by(Meeting.starts_at, Meeting.id)))
    rows = (await session.execute(
        select(Feedback, Person, Participant)
        .join(Person, Person.id == Feedback.person_id)
        .join(Participant, (Participant.person_id == Person.id) & (Participant.case_id == case.id))
        .where(Feedback.meeting_id.in_([m.id for m in meetings]), Feedback.submitted_at.is_not(None))
        .order_by(Participant.id)
    )).all() if meetings else []
    given: dict[int, list[FeedbackGiven]] = {m.id: [] for m in meetings}
    for feedback, person, participant in rows:
        given[feedback.meeting_id].append(FeedbackGiven(
            person.id, person.name, participant.role, dict(feedback.scores or {}),
            sealer.open(feedback.comment) if feedback.comment else None))
    return FeedbackResults(case, tuple((meeting_view(m), tuple(given[m.id])) for m in meetings),
                           await goal_history(session, case.id, sealer))


async def goal_history(session: AsyncSession, case_id: int, sealer: Sealer) -> tuple:
    """Each plan version's goals and where they stood ("now"), dated by the meeting that made it."""
    from bot.db.models import PlanVersion
    from bot.storage.plan import open_content

    history = []
    for version in await session.scalars(select(PlanVersion).where(PlanVersion.case_id == case_id).order_by(PlanVersion.number)):
        meeting = await session.get(Meeting, version.meeting_id) if version.meeting_id else None
        goals = tuple((g.get("key") or g["text"], g["text"], g.get("now")) for g in open_content(version.content, sealer).get("goals", [])
                      if g.get("status") != "dropped")
        history.append((meeting.starts_at if meeting else version.created_at, goals))
    return tuple(history)
