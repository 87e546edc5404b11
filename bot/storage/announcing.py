"""Loading announced meetings for the flows: what /next sees of a case, and a
person's invitation for the reply buttons. Notes people wrote are opened here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Case, Invitation, Meeting, Participant, Person
from bot.storage.case_coordinators import other_coordinator_chats
from bot.storage.sealing import Sealer
from flows.context import (
    CaseView,
    InvitationView,
    Invitee,
    MeetingView,
    NextMeetingPlan,
)


def meeting_view(meeting: Meeting) -> MeetingView:
    return MeetingView(meeting.id, meeting.meeting_type, meeting.starts_at, meeting.place, meeting.status,
                       meeting.ref, meeting.calendar_sequence or 0)


def case_view(case: Case) -> CaseView:
    return CaseView(case.id, case.pseudonym, case.model_id, case.timezone, case.status, case.coordinator_id,
                    placed_on=case.placed_on, moved_out_on=case.moved_out_on, decision_on=case.decision_on)


def has_taken_place(meeting: Meeting, now: datetime) -> bool:
    """Ended or running, or planned and its time has come (a meeting not run in the bot still happened)."""
    return meeting.status in ("running", "ended") or (meeting.status == "planned" and meeting.starts_at <= now)


async def invited_ids(session: AsyncSession, meeting_id: int) -> set[int] | None:
    """Who is invited to a meeting; None if it was never announced (then everyone in the case is)."""
    ids = set(await session.scalars(select(Invitation.person_id).where(Invitation.meeting_id == meeting_id)))
    return ids or None


async def people_of(session: AsyncSession, case_id: int) -> list[tuple[Participant, Person]]:
    return list((await session.execute(
        select(Participant, Person).join(Person, Person.id == Participant.person_id)
        .where(Participant.case_id == case_id).order_by(Participant.id)
    )).all())


async def invitees(session: AsyncSession, meeting: Meeting, sealer: Sealer) -> tuple[Invitee, ...]:
    rows = (await session.execute(
        select(Invitation, Person, Participant)
        .join(Person, Person.id == Invitation.person_id)
        .join(Participant, (Participant.person_id == Person.id) & (Participant.case_id == meeting.case_id))
        .where(Invitation.meeting_id == meeting.id).order_by(Participant.id)
    )).all()
    return tuple(Invitee(person.id, person.chat_id, person.name, participant.role, invitation.response,
                         sealer.open(invitation.note) if invitation.note else None)
                 for invitation, person, participant in rows)


async def load_next_plan(session: AsyncSession, case: CaseView, now: datetime, sealer: Sealer,
                         focus: int | None = None) -> NextMeetingPlan:
    """`focus`: the planned meeting the coordinator is acting on (a series has
    several ahead); only a meeting of this case ahead counts, else the soonest."""
    people = tuple(Invitee(person.id, person.chat_id, person.name, participant.role)
                   for participant, person in await people_of(session, case.id))
    meetings = list(await session.scalars(
        select(Meeting).where(Meeting.case_id == case.id, Meeting.status != "cancelled").order_by(Meeting.starts_at, Meeting.id)))
    history = [m for m in meetings if has_taken_place(m, now)]
    coming = [m for m in meetings if m.status == "planned" and m.starts_at > now]
    upcoming = next((m for m in coming if m.id == focus), coming[0] if coming else None)
    last = history[-1] if history else None
    noted = (last.progress or {}).get("next_people") if last is not None else None
    invited_to = [(m.id, tuple(p.chat_id for p in await invitees(session, m, sealer))) for m in coming if m.ref]
    return NextMeetingPlan(
        case=case,
        people=people,
        history=tuple(meeting_view(m) for m in history),
        upcoming=meeting_view(upcoming) if upcoming else None,
        invited=await invitees(session, upcoming, sealer) if upcoming is not None and upcoming.ref else (),
        next_people=tuple(noted) if noted is not None else None,
        coming=tuple(meeting_view(m) for m in coming),
        coming_invited=tuple(invited_to),
        agreed_weeks=next((m.progress["follow_up_weeks"] for m in reversed(history)
                           if isinstance((m.progress or {}).get("follow_up_weeks"), int)), None),
    )


async def load_invitation(session: AsyncSession, ref: str, person_id: int) -> InvitationView | None:
    meeting = await session.scalar(select(Meeting).where(Meeting.ref == ref))
    if meeting is None:
        return None
    invitation = await session.scalar(
        select(Invitation).where(Invitation.meeting_id == meeting.id, Invitation.person_id == person_id))
    if invitation is None:
        return None
    case = await session.get(Case, meeting.case_id)
    coordinator = await session.get(Person, case.coordinator_id) if case.coordinator_id else None
    return InvitationView(case_view(case), meeting_view(meeting), invitation.response, coordinator.chat_id if coordinator else None,
                          await other_coordinator_chats(session, case))
