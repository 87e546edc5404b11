"""The operator's side of coordinators: one-time links that make their opener
a coordinator, the list of coordinators, removing someone's rights, and
handing a case over (an orphaned one too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, or_, select
from telegram import Bot

from bot.config import Settings
from bot.db.engine import make_engine, make_sessionmaker
from bot.db.migrate import upgrade_async
from bot.db.models import AuditEntry, Case, CaseCoordinator, Invite, Participant, Person
from bot.delivery.render import outbox_rows
from bot.i18n import resolve_locale
from bot.storage.case_coordinators import add_coordinator, case_coordinators, coordinated_by, hand_over, orphaned, take_off
from bot.storage.sealing import Sealer
from bot.storage.tokens import new_token, token_hash
from flows.handover import family_notice, family_reply, given_by_operator, rights_removed, taken_by_operator


async def bot_username(settings: Settings) -> str:
    if settings.token is None:
        raise SystemExit("Give --username, or set MEETBOT_TOKEN so the bot's name can be asked from Telegram.")
    async with Bot(settings.token.get_secret_value(), base_url=settings.api_base_url) as bot:
        return (await bot.get_me()).username


async def create_coordinator_invite(settings: Settings, *, username: str | None, ttl: timedelta, sessionmaker=None) -> str:
    username = username or await bot_username(settings)
    engine = None
    if sessionmaker is None:
        await upgrade_async(settings.database_url)
        engine = make_engine(settings.database_url)
        sessionmaker = make_sessionmaker(engine)
    token = new_token()
    now = datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        session.add(Invite(token_hash=token_hash(token), kind="coordinator", created_at=now, expires_at=now + ttl))
        session.add(AuditEntry(action="coordinator_invite", detail={"expires_at": (now + ttl).isoformat()}, at=now))
    if engine is not None:
        await engine.dispose()
    return f"https://t.me/{username}?start={token}"


# ---- the operator's view of coordinators (`meetbot coordinators`, `coordinator-remove`, `handover`) ----


class NotFound(LookupError):
    """A coordinator or case the operator named is not there, or the name fits several (they are listed)."""


@dataclass
class CoordinatorRow:
    id: int
    name: str
    since: datetime
    removed_at: datetime | None
    cases: int  # open and closed cases they coordinate now

    def render(self) -> str:
        state = f"removed {self.removed_at:%Y-%m-%d}" if self.removed_at else "active"
        return f"{self.id:>5}  {self.name}  since {self.since:%Y-%m-%d}  {state}  {self.cases} case(s)"


@dataclass
class OrphanRow:
    id: int
    pseudonym: str
    created_at: datetime
    last_coordinator: str | None

    def render(self) -> str:
        last = f"; last coordinator: {self.last_coordinator}" if self.last_coordinator else ""
        return f"case {self.id} ({self.pseudonym}), open since {self.created_at:%Y-%m-%d}{last}"


async def removals(session) -> dict[int, datetime]:
    """When each person's coordinator rights were last removed, as the trail records it."""
    found: dict[int, datetime] = {}
    for entry in await session.scalars(select(AuditEntry).where(
            AuditEntry.action == "coordinator_removed", AuditEntry.case_id.is_(None)).order_by(AuditEntry.at)):
        person = (entry.detail or {}).get("person")
        if isinstance(person, int):
            found[person] = entry.at
    return found


async def list_coordinators(sessionmaker) -> list[CoordinatorRow]:
    """Everyone who is or was a coordinator, by name: since when, active or removed, how many cases."""
    async with sessionmaker() as session:
        removed = await removals(session)
        people = list(await session.scalars(select(Person).where(
            or_(Person.is_coordinator.is_(True), Person.id.in_(removed))).order_by(Person.name, Person.id)))
        ids = [p.id for p in people]
        became = dict((await session.execute(
            select(AuditEntry.actor_id, func.min(AuditEntry.at)).where(
                AuditEntry.action == "became_coordinator", AuditEntry.actor_id.in_(ids)).group_by(AuditEntry.actor_id))).all())
        cases = dict((await session.execute(
            select(CaseCoordinator.person_id, func.count()).where(CaseCoordinator.person_id.in_(ids))
            .group_by(CaseCoordinator.person_id))).all())
    return [CoordinatorRow(p.id, p.name, became.get(p.id) or p.created_at, None if p.is_coordinator else removed[p.id],
                           cases.get(p.id, 0)) for p in people]


async def orphaned_cases(sessionmaker) -> list[OrphanRow]:
    """Open cases nobody coordinates any more, with who last did (from the trail)."""
    async with sessionmaker() as session:
        cases = list(await session.scalars(orphaned()))
        rows = []
        for case in cases:
            removed = await session.scalar(
                select(AuditEntry).where(AuditEntry.case_id == case.id, AuditEntry.action == "coordinator_removed")
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(1))
            person = (removed.detail or {}).get("person") if removed else None
            name = await session.scalar(select(Person.name).where(Person.id == person)) if isinstance(person, int) else None
            rows.append(OrphanRow(case.id, case.pseudonym, case.created_at, name))
    return rows


async def _one_coordinator(session, who: str) -> Person:
    """A coordinator by id or by name (case-insensitive); a name that fits several is refused with their ids."""
    query = select(Person).where(Person.is_coordinator.is_(True))
    who = who.strip()
    found = list(await session.scalars(query.where(
        Person.id == int(who) if who.isdigit() else func.lower(Person.name) == who.lower())))
    if not found:
        raise NotFound(f"no active coordinator has the id or name {who!r} (see `meetbot coordinators`)")
    if len(found) > 1:
        raise NotFound(f"{len(found)} coordinators are called {who!r}: give the id instead ("
                       + ", ".join(f"{p.id}" for p in found) + ")")
    return found[0]


def _enqueue(session, message, person: Person, default_locale: str, sealer: Sealer, now: datetime) -> None:
    """A message to someone, in their language, through the outbox (the running bot sends it)."""
    language = resolve_locale(person.language, person.telegram_language, default_locale)
    for row in outbox_rows(message, person.chat_id, language, 0, now, sealer=sealer):
        session.add(row)


async def remove_coordinator(sessionmaker, who: str, *, sealer: Sealer, default_locale: str,
                             now: datetime | None = None) -> tuple[str, int, list[OrphanRow]]:
    """Take away someone's coordinator rights: they are told, kindly; their cases
    stay (with a co-coordinator leading, or listed as orphaned for the operator).
    Returns their name, their chat and the cases left without a coordinator."""
    now = now or datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        person = await _one_coordinator(session, who)
        person.is_coordinator = False
        await session.flush()
        cases = list(await session.scalars(select(Case).where(Case.id.in_(coordinated_by(person.id)))))
        for case in cases:
            led = case.coordinator_id == person.id
            await take_off(session, case, person.id)
            session.add(AuditEntry(case_id=case.id, action="coordinator_removed", at=now,
                                   detail={"person": person.id, "by": "operator"}))
            if led and case.coordinator_id is not None and case.status == "open":
                # The coordinator beside them leads now: they and the family are told, as at a handover.
                await _tell_new_lead(session, case, person.name, sealer, default_locale, now)
        session.add(AuditEntry(action="coordinator_removed", at=now, detail={"person": person.id, "by": "operator"}))
        _enqueue(session, rights_removed(person.chat_id), person, default_locale, sealer, now)
        name, chat_id = person.name, person.chat_id
    return name, chat_id, [o for o in await orphaned_cases(sessionmaker) if o.id in {c.id for c in cases}]


async def _tell_new_lead(session, case: Case, before: str, sealer: Sealer, default_locale: str, now: datetime) -> None:
    lead = await session.get(Person, case.coordinator_id)
    _enqueue(session, given_by_operator(case.pseudonym, False, lead.chat_id), lead, default_locale, sealer, now)
    await _tell_family(session, case, lead.name, before, sealer, default_locale, now)


async def _tell_family(session, case: Case, name: str, before: str | None, sealer: Sealer, default_locale: str,
                       now: datetime) -> None:
    """Everyone taking part hears who their coordinator is now."""
    notice = family_notice(case.pseudonym, name, before=before, lead=None)
    for person in await session.scalars(select(Person).join(Participant, Participant.person_id == Person.id)
                                        .where(Participant.case_id == case.id)):
        _enqueue(session, family_reply(notice, person.chat_id), person, default_locale, sealer, now)


async def operator_handover(sessionmaker, case_ref: str, to: str, *, add: bool = False, sealer: Sealer,
                            default_locale: str, now: datetime | None = None) -> str:
    """`meetbot handover`: the case goes to a coordinator (from its lead, or nobody if orphaned), or
    with `add` they coordinate it beside the others. Everyone concerned is told. Returns what was done."""
    now = now or datetime.now(timezone.utc)
    async with sessionmaker() as session, session.begin():
        case = await session.get(Case, int(case_ref)) if case_ref.strip().isdigit() else None
        if case is None and not case_ref.strip().isdigit():
            named = list(await session.scalars(select(Case).where(func.lower(Case.pseudonym) == case_ref.strip().lower())))
            if len(named) > 1:
                raise NotFound(f"{len(named)} cases are called {case_ref!r}: give the id instead ("
                               + ", ".join(str(c.id) for c in named) + ")")
            case = named[0] if named else None
        if case is None:
            raise NotFound(f"no case has the id or pseudonym {case_ref!r}")
        if case.status != "open":
            raise NotFound(f"case {case.id} ({case.pseudonym}) is closed: there is nothing to hand over")
        target = await _one_coordinator(session, to)
        before = await case_coordinators(session, case)
        if target.id in {p.id for p in before}:
            raise NotFound(f"{target.name} already coordinates case {case.id} ({case.pseudonym})")
        lead = before[0] if before and before[0].id == case.coordinator_id else None
        if add or lead is None:
            await add_coordinator(session, case, target.id, now)
            action = "added_coordinator" if add and before else "handed_over"
        else:
            await hand_over(session, case, lead.id, target.id, now)
            action = "handed_over"
        session.add(AuditEntry(case_id=case.id, action=action, at=now,
                               detail={"person": target.id, "by": "operator", **({"from": lead.id} if lead and not add else {})}))
        added = action == "added_coordinator"
        _enqueue(session, given_by_operator(case.pseudonym, added, target.chat_id), target, default_locale, sealer, now)
        if lead is not None and not added:
            _enqueue(session, taken_by_operator(case.pseudonym, target.name, lead.chat_id), lead, default_locale, sealer, now)
        if added:
            notice = family_notice(case.pseudonym, target.name, before=None, lead=before[0].name)
            for person in await session.scalars(select(Person).join(Participant, Participant.person_id == Person.id)
                                                .where(Participant.case_id == case.id)):
                _enqueue(session, family_reply(notice, person.chat_id), person, default_locale, sealer, now)
        else:
            await _tell_family(session, case, target.name, lead.name if lead else None, sealer, default_locale, now)
        done = (f"{target.name} now coordinates case {case.id} ({case.pseudonym}) beside the others" if added
                else f"case {case.id} ({case.pseudonym}) is handed over to {target.name}"
                + (f" from {lead.name}" if lead else ""))
    return done
