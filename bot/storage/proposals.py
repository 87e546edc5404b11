"""The family's proposals (flows.proposals): loading one case's list, with
"prepared" read from the joined person's preparation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Case, Meeting, Participant, Person, Preparation, Proposal
from bot.storage.announcing import meeting_view
from bot.storage.sealing import Sealer
from flows.context import ProposalList, ProposalView
from flows.meeting_models.schema import PROPOSING_ROLES


async def load_proposals(session: AsyncSession, case_id: int, sealer: Sealer) -> ProposalList | None:
    case = await session.get(Case, case_id)
    if case is None:
        return None
    coordinator = await session.get(Person, case.coordinator_id) if case.coordinator_id else None
    meetings = list(await session.scalars(select(Meeting).where(Meeting.case_id == case_id).order_by(Meeting.starts_at)))
    family = (await session.execute(
        select(Person.id, Person.chat_id, Participant.role).join(Participant, Participant.person_id == Person.id)
        .where(Participant.case_id == case_id, Participant.role.in_(PROPOSING_ROLES)).order_by(Participant.id))).all()
    rows = list(await session.scalars(select(Proposal).where(Proposal.case_id == case_id).order_by(Proposal.id)))
    proposers = {p.id: p for p in await session.scalars(
        select(Person).where(Person.id.in_({row.proposed_by for row in rows})))} if rows else {}
    # Someone who joined through their link is "prepared" once they finished
    # their preparation for one of the case's meetings (and stays so after it).
    joined = {row.person_id for row in rows if row.person_id is not None}
    held = [m.id for m in meetings if m.status != "cancelled"]
    prepared = set(await session.scalars(
        select(Preparation.person_id).where(Preparation.person_id.in_(joined), Preparation.meeting_id.in_(held),
                                            Preparation.status == "finished"))) if joined and held else set()
    views = []
    for row in rows:
        proposer = proposers.get(row.proposed_by)
        status = "prepared" if row.status == "joined" and row.person_id in prepared else row.status
        views.append(ProposalView(
            id=row.id, name=sealer.open(row.name), relation=sealer.open(row.relation), by_child=row.by_child,
            proposer_id=row.proposed_by, proposer_name=proposer.name if proposer else None,
            proposer_chat_id=proposer.chat_id if proposer else None, status=status, family_told=row.family_told,
            invite_id=row.invite_id))
    return ProposalList(
        case_id=case.id, pseudonym=case.pseudonym, model_id=case.model_id, timezone=case.timezone,
        coordinator_id=case.coordinator_id, coordinator_chat_id=coordinator.chat_id if coordinator else None,
        meetings=tuple(meeting_view(m) for m in meetings), proposals=tuple(views),
        family=tuple((pid, chat, role) for pid, chat, role in family))


async def family_case(session: AsyncSession, person_id: int) -> int | None:
    """The case a guardian's or child's /proposals is about: the open one they joined last."""
    return await session.scalar(
        select(Participant.case_id).join(Case, Case.id == Participant.case_id)
        .where(Participant.person_id == person_id, Participant.role.in_(PROPOSING_ROLES), Case.status == "open")
        .order_by(Participant.joined_at.desc(), Participant.id.desc()).limit(1))

