"""Writing the domain changes a flow asked for, with an audit entry each."""

from __future__ import annotations

from datetime import datetime
from functools import singledispatch

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import AuditEntry, Case, Invite, Meeting, Participant, Person
from bot.storage.tokens import token_hash
from flows.outcome import (
    BecomeCoordinator,
    CreateCase,
    CreateInvite,
    ErasePerson,
    JoinCase,
    RevokeInvite,
    SetLanguage,
)


class Actor:
    """Who caused the changes: the Telegram user, and their person row once there is one."""

    def __init__(self, *, user_id: int, chat_id: int, telegram_language: str | None, person: Person | None, now: datetime):
        self.user_id = user_id
        self.chat_id = chat_id
        self.telegram_language = telegram_language
        self.person = person
        self.now = now


def audit(session: AsyncSession, actor: Actor, action: str, case_id: int | None = None, **detail) -> None:
    session.add(AuditEntry(case_id=case_id, actor_id=actor.person.id if actor.person else None,
                           action=action, detail=detail, at=actor.now))


async def _ensure_person(session: AsyncSession, actor: Actor, name: str, language: str | None) -> Person:
    if actor.person is None:
        actor.person = Person(
            telegram_user_id=actor.user_id,
            chat_id=actor.chat_id,
            name=name,
            language=language,
            telegram_language=actor.telegram_language,
            created_at=actor.now,
        )
        session.add(actor.person)
        await session.flush()
    else:
        actor.person.name = name
        if language:
            actor.person.language = language
    return actor.person


@singledispatch
async def apply(change, session: AsyncSession, actor: Actor) -> None:
    raise TypeError(f"no handler for {change!r}")


@apply.register
async def _(change: BecomeCoordinator, session, actor):
    person = await _ensure_person(session, actor, change.name, change.language)
    person.is_coordinator = True
    invite = await session.get(Invite, change.invite_id)
    invite.used_at = actor.now
    audit(session, actor, "became_coordinator")


@apply.register
async def _(change: JoinCase, session, actor):
    await _ensure_person(session, actor, change.name, change.language)
    session.add(Participant(case_id=change.case_id, person_id=actor.person.id, role=change.role, joined_at=actor.now))
    audit(session, actor, "joined", change.case_id, role=change.role, invite=change.invite_id)


@apply.register
async def _(change: CreateCase, session, actor):
    case = Case(
        pseudonym=change.pseudonym,
        coordinator_id=actor.person.id,
        model_id=change.model_id,
        timezone=change.timezone,
        created_at=actor.now,
    )
    session.add(case)
    await session.flush()
    session.add(Meeting(case_id=case.id, meeting_type=change.meeting_type, starts_at=change.starts_at,
                        place=change.place, created_at=actor.now))
    audit(session, actor, "created_case", case.id, model=change.model_id)


@apply.register
async def _(change: CreateInvite, session, actor):
    session.add(Invite(
        token_hash=token_hash(change.token),
        kind="participant",
        case_id=change.case_id,
        role=change.role,
        created_by=actor.person.id,
        created_at=actor.now,
        expires_at=change.expires_at,
    ))
    audit(session, actor, "invited", change.case_id, role=change.role)


@apply.register
async def _(change: RevokeInvite, session, actor):
    invite = await session.get(Invite, change.invite_id)
    invite.revoked_at = actor.now
    audit(session, actor, "revoked_invite", invite.case_id, role=invite.role)


@apply.register
async def _(change: SetLanguage, session, actor):
    actor.person.language = change.language


@apply.register
async def _(change: ErasePerson, session, actor):
    person = actor.person
    case_ids = list(await session.scalars(select(Participant.case_id).where(Participant.person_id == person.id)))
    actor.person = None  # the trail keeps that someone was erased, not who
    for case_id in case_ids:
        audit(session, actor, "erased_person", case_id)
    await session.execute(delete(Participant).where(Participant.person_id == person.id))
    await session.delete(person)
