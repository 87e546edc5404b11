"""The audit trail, readable (`meetbot audit`): who did what to a case, when.

People are shown by name (someone since erased as such), cases by id and
pseudonym, meetings by their date; never ids of people, and never what
anyone wrote (the trail holds no answers, only what happened)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import AuditEntry, Case, Meeting, Person
from flows.context import AuditLine
from flows.labels import ROLE_NAMES

# What each action says, with {role}, {meeting}, {owners}, {invited}, {response}, {people} filled in.
ACTIONS = {
    "coordinator_invite": "a coordinator link was made",
    "became_coordinator": "became a coordinator",
    "created_case": "created the case",
    "invited": "made an invitation link for a {role}",
    "revoked_invite": "revoked the invitation link for a {role}",
    "joined": "joined as {role}",
    "erased_person": "someone erased themselves from the case",
    "opened_preparation": "opened the preparation for the meeting {meeting}",
    "viewed_digest": "viewed the preparation digest of the meeting {meeting}",
    "nudged": "reminded those who have not prepared for the meeting {meeting}",
    "started_meeting": "started the meeting {meeting}",
    "ended_meeting": "ended the meeting {meeting}",
    "added_task": "added a task ({owners} owner(s)) at the meeting {meeting}",
    "task_accept": "took on a task",
    "task_done": "marked a task done",
    "task_part_done": "marked their part of a shared task done",
    "task_marked_done": "marked a task done for everyone",
    "task_not_yet": "said a task is not done yet",
    "task_talk": "asked to talk about a task",
    "task_help": "asked for help with a task",
    "task_new_date": "asked for a new date for a task",
    "read_plan": "read and agreed to the plan of the meeting {meeting}",
    "gave_feedback": "gave feedback on the meeting {meeting}",
    "viewed_feedback": "viewed the feedback results",
    "announced_meeting": "announced the meeting {meeting} to {invited} people",
    "moved_meeting": "moved the meeting {meeting}",
    "cancelled_meeting": "cancelled the meeting {meeting}",
    "answered_invitation": "answered the invitation to the meeting {meeting}: {response}",
    "closed_case": "closed the case",
    "handed_over": "handed the case over to {other}",
    "added_coordinator": "added {other} as a coordinator of the case",
    "coordinator_removed": "removed the coordinator rights of {other}",
    "erased_case": "the case was erased, with {people} people in no other case",
    "purged": "retention erased {cases} closed case(s) and {people} people",
    # The family's proposals (flows.proposals): never the names, only that it happened.
    "proposed": "proposed someone to invite",
    "proposal_asked": "noted that a proposed person was asked",
    "proposal_agreed": "noted that a proposed person said yes",
    "proposal_declined": "noted that a proposed person said no",
    "proposal_told": "told the family that a proposed person cannot come",
}
RESPONSES = {"yes": "coming", "no": "not coming", "other": "another time suits better"}


@dataclass
class TrailLine:
    at: datetime
    case: str  # "case 3 (Family A)", or "" when about no case
    who: str
    what: str

    def render(self) -> str:
        case = f"{self.case}  " if self.case else ""
        return f"{self.at:%Y-%m-%d %H:%M} UTC  {case}{self.who}: {self.what}"


def parse_since(value: str, now: datetime) -> datetime:
    """A date (2026-11-01), a date and time, or a span back from now (7d, 12h)."""
    value = value.strip()
    if value[:-1].isdigit() and value[-1:] in ("d", "h"):
        return now - (timedelta(days=int(value[:-1])) if value[-1] == "d" else timedelta(hours=int(value[:-1])))
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"--since {value!r}: give a date (2026-11-01), a date and time, or a span (7d, 12h)") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def describe(action: str, detail: dict, meetings: dict[int, datetime], people: dict[int, str] | None = None) -> str:
    detail = detail or {}
    meeting = meetings.get(detail.get("meeting")) if isinstance(detail.get("meeting"), int) else None
    values = {
        "other": (people or {}).get(detail.get("person"), "someone since erased"),
        "role": ROLE_NAMES.get(detail.get("role"), "participant"),
        "meeting": f"on {meeting:%Y-%m-%d}" if meeting else "(since removed)",
        "owners": detail.get("owners", "?"), "invited": detail.get("invited", "?"),
        "response": RESPONSES.get(detail.get("response"), "answered"),
        "people": detail.get("people", "?"), "cases": detail.get("cases", "?"),
    }
    template = ACTIONS.get(action, action.replace("_", " "))
    return template.format(**{k: str(v) for k, v in values.items()})


@dataclass
class Resolved:
    """What a list of entries names: people (actors and the people in their details), cases and meetings."""

    people: dict[int, str]
    cases: dict[int, str]
    meetings: dict[int, datetime]


async def resolve(session: AsyncSession, entries: list[AuditEntry]) -> Resolved:
    named = {e.actor_id for e in entries if e.actor_id}
    named |= {(e.detail or {}).get("person") for e in entries if isinstance((e.detail or {}).get("person"), int)}
    people = dict((await session.execute(select(Person.id, Person.name).where(Person.id.in_(named)))).all())
    cases = dict((await session.execute(select(Case.id, Case.pseudonym).where(
        Case.id.in_({e.case_id for e in entries if e.case_id})))).all())
    meeting_ids = {(e.detail or {}).get("meeting") for e in entries}
    meetings = dict((await session.execute(select(Meeting.id, Meeting.starts_at).where(
        Meeting.id.in_({m for m in meeting_ids if isinstance(m, int)})))).all())
    return Resolved(people, cases, meetings)


def actor_kind(entry: AuditEntry) -> str:
    """Who did it when no person did: the operator (a command), or retention; else a person (maybe since erased)."""
    # The operator's commands say so in the detail: an actor erased since leaves a NULL too.
    if entry.actor_id is None and (entry.action in ("erased_case", "coordinator_invite")
                                   or (entry.detail or {}).get("by") == "operator"):
        return "operator"
    if entry.actor_id is None and entry.action == "purged":
        return "retention"
    return "person"


async def case_lines(session: AsyncSession, case_id: int) -> tuple[AuditLine, ...]:
    """A case's trail as the bot shows it to its coordinators (flows.audit_view), oldest first."""
    entries = list(await session.scalars(
        select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.at, AuditEntry.id)))
    found = await resolve(session, entries)
    lines = []
    for e in entries:
        detail = e.detail or {}
        number = next((detail[k] for k in ("invited", "owners", "people", "organisations") if isinstance(detail.get(k), int)), None)
        lines.append(AuditLine(
            at=e.at, action=e.action, who=found.people.get(e.actor_id) if e.actor_id else None, by=actor_kind(e),
            role=detail.get("role") if isinstance(detail.get("role"), str) else None,
            meeting_at=found.meetings.get(detail.get("meeting")) if isinstance(detail.get("meeting"), int) else None,
            other=found.people.get(detail.get("person")) if isinstance(detail.get("person"), int) else None,
            count=number, response=detail.get("response") if isinstance(detail.get("response"), str) else None))
    return tuple(lines)


async def trail(sessionmaker: async_sessionmaker, *, case: str | None = None, since: datetime | None = None) -> list[TrailLine]:
    """The trail, oldest first; `case` is an id or a pseudonym (every case called so)."""
    async with sessionmaker() as session:
        query = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)
        if case is not None:
            ids = [int(case)] if case.isdigit() else list(await session.scalars(
                select(Case.id).where(func.lower(Case.pseudonym) == case.strip().lower())))
            if not ids:
                return []
            # An erased case's trail is gone with it, all but the line saying so.
            erased = [e.id for e in await session.scalars(select(AuditEntry).where(AuditEntry.action == "erased_case"))
                      if (e.detail or {}).get("case") in ids]
            query = query.where(or_(AuditEntry.case_id.in_(ids), AuditEntry.id.in_(erased)))
        if since is not None:
            query = query.where(AuditEntry.at >= since)
        entries = list(await session.scalars(query))
        found = await resolve(session, entries)
    people, cases, meetings = found.people, found.cases, found.meetings
    lines = []
    for e in entries:
        if e.case_id:
            where = f"case {e.case_id} ({cases.get(e.case_id, '?')})"
        elif e.action == "erased_case":
            where = f"case {(e.detail or {}).get('case', '?')}"
        else:
            where = ""
        kind = actor_kind(e)
        if e.actor_id:
            who = people.get(e.actor_id, "someone since erased")
        elif kind != "person":
            who = "the operator" if kind == "operator" else "retention"
        else:
            who = "someone since erased"
        lines.append(TrailLine(e.at, where, who, describe(e.action, e.detail, meetings, people)))
    return lines
