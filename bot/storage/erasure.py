"""Erasing people and cases: every row and every reference that names them,
in the caller's transaction, at once.

Rows that belong to a person or a case go by the database's own cascades
(answers, preparations, invitations, feedback, task owners, jobs, the
proposals a guardian or the child made, ...);
what a cascade cannot reach is done here: the messages waiting for or sent
to their chat, their chat's place in a flow, and their id inside stored JSON
(a meeting's progress, another person's unfinished choice). Audit lines stay
without a link to them (their actor becomes NULL) and carry no names.

On SQLite the rows are overwritten with zeros (`secure_delete`); the caller
then calls `bot.db.engine.flush_erased` after the commit, so the write-ahead
log keeps no copy either."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Broadcast,
    Case,
    CaseCoordinator,
    Conversation,
    Meeting,
    OutboxMessage,
    Participant,
    Person,
    Task,
)
from flows.forgetting import CONVERSATION_PEOPLE, PROGRESS_PEOPLE, without_people


async def erase_people(session: AsyncSession, person_ids: Collection[int], *, keep_chat: int | None = None) -> int:
    """Erase these people; returns how many there were. `keep_chat` keeps
    that chat's conversation row for the caller to settle (the engine deletes
    the position of whoever has just erased themselves)."""
    person_ids = set(person_ids)
    if not person_ids:
        return 0
    chats = set(await session.scalars(select(Person.chat_id).where(Person.id.in_(person_ids))))
    await scrub_references(session, person_ids)
    if chats:
        # Whatever still waits for them, and the traces of what was sent.
        await session.execute(delete(OutboxMessage).where(OutboxMessage.chat_id.in_(chats))
                              .execution_options(synchronize_session=False))
        await session.execute(delete(Conversation).where(Conversation.chat_id.in_(chats - {keep_chat}))
                              .execution_options(synchronize_session=False))
    result = await session.execute(delete(Person).where(Person.id.in_(person_ids))
                                   .execution_options(synchronize_session=False))
    return result.rowcount or 0


async def scrub_references(session: AsyncSession, person_ids: set[int]) -> None:
    """Take their ids out of JSON that lists people: the rows stay, they do not."""
    meetings = await session.scalars(select(Meeting).where(Meeting.progress.is_not(None)))
    for meeting in meetings:
        scrubbed = without_people(meeting.progress, person_ids, PROGRESS_PEOPLE)
        if scrubbed is not None:
            meeting.progress = scrubbed
    conversations = await session.scalars(select(Conversation).where(Conversation.flow.is_not(None)))
    for conversation in conversations:
        scrubbed = without_people(conversation.data, person_ids, CONVERSATION_PEOPLE)
        if scrubbed is not None:
            conversation.data = scrubbed
    await session.flush()


async def people_only_in(session: AsyncSession, case_ids: Collection[int]) -> set[int]:
    """Those who take part in these cases and in no other, and coordinate none."""
    if not case_ids:
        return set()
    in_these = select(Participant.person_id).where(Participant.case_id.in_(case_ids))
    in_others = select(Participant.person_id).where(Participant.case_id.not_in(case_ids))
    coordinating = select(CaseCoordinator.person_id).where(CaseCoordinator.case_id.not_in(case_ids))
    return set(await session.scalars(
        select(Person.id).where(Person.id.in_(in_these), Person.id.not_in(in_others),
                                Person.id.not_in(coordinating), Person.is_coordinator.is_(False))))


async def erase_cases(session: AsyncSession, case_ids: Collection[int]) -> int:
    """Erase these cases with everything about them, and the people who took
    part in them and in no other case (coordinators stay). Returns how many
    people were erased."""
    case_ids = set(case_ids)
    if not case_ids:
        return 0
    leaving = await people_only_in(session, case_ids)
    meetings = (await session.execute(select(Meeting.id, Meeting.ref).where(Meeting.case_id.in_(case_ids)))).all()
    meeting_ids = {meeting_id for meeting_id, _ref in meetings}
    item_refs = {ref for _id, ref in meetings if ref}
    item_refs |= set(await session.scalars(select(Task.ref).where(Task.case_id.in_(case_ids), Task.ref.is_not(None))))
    refs = set(await session.scalars(select(Broadcast.ref).where(Broadcast.case_id.in_(case_ids))))
    if refs:
        # Announcements of these cases still on their way to people who stay.
        await session.execute(delete(OutboxMessage).where(OutboxMessage.broadcast_ref.in_(refs))
                              .execution_options(synchronize_session=False))
    await _forget_positions_in(session, case_ids, meeting_ids, item_refs)
    erased = await erase_people(session, leaving)
    # Meetings, participants, tasks, invites, the family's proposals, broadcasts
    # and the case's own audit trail go with the case (ON DELETE CASCADE).
    await session.execute(delete(Case).where(Case.id.in_(case_ids)).execution_options(synchronize_session=False))
    return erased


async def _forget_positions_in(session: AsyncSession, case_ids: set[int], meeting_ids: set[int], refs: set[str]) -> None:
    """Someone who stays (the coordinator) may be in the middle of something
    about an erased case: they go back to idle rather than keep its details."""
    for conversation in await session.scalars(select(Conversation).where(Conversation.flow.is_not(None))):
        data = conversation.data or {}
        if (data.get("case") in case_ids or data.get("meeting") in meeting_ids or data.get("m") in meeting_ids
                or data.get("ref") in refs):
            conversation.flow = conversation.step = None
            conversation.data = {}
    await session.flush()

