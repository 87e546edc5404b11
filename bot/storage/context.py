"""Loading what a flow may read (flows.context.Context) for one event."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import bindparam, exists, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from bot.delivery.render import RENDERING
from bot.db.models import Case, CaseCoordinator, Conversation, Invite, Meeting, OutboxMessage, Participant, Person
from bot.i18n import resolve_locale
from bot.audit_trail import case_lines
from bot.storage.case_coordinators import coordinated_by, other_coordinator_chats
from bot.storage.announcing import load_invitation, load_next_plan, meeting_view
from bot.storage.feedback import load_openings, load_results
from bot.storage.offline import offline_attendees
from bot.storage.meeting_run import load_run, load_run_by_id, meeting_to_run
from bot.storage.plan import consent_context, current_plan, plan_by_ref
from bot.storage.preparation import load_overview, load_preparations
from bot.storage.proposals import family_case, load_proposals
from bot.storage.sealing import Sealer
from bot.storage.tasks import task_by_ref, tasks_for
from bot.storage.tokens import token_hash
from flows.context import (
    AuditTrail,
    CaseView,
    Colleague,
    Config,
    Context,
    InviteView,
    MeetingView,
    Membership,
    PersonView,
)
from flows.events import ButtonPress, Command, Event
from flows.outcome import REPLY, State
from flows.plan import PAPER_STEPS

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_REF = re.compile(r"^-\|rv:([0-9a-f]{16})$")
_PREP_GO = re.compile(r"^-\|prep:go:\d+$")
_OVERVIEW_CASE = re.compile(r"^\d+\|prepov:case:(\d+)$")
_RUN_CASE = re.compile(r"^\d+\|meeting:case:(\d+)$")
_FAMILY_READY = re.compile(r"^-\|meeting:ready:(\d+)$")
_PLAN_OWN = re.compile(r"^-\|plan:own:(\d+):[a-z0-9_]+$")
_PLAN_BUTTON = re.compile(r"^-\|plan:(?:agree|no|read):([A-Za-z0-9_-]{1,24})$")
_CONSENT_BUTTON = re.compile(r"^-\|consent:(?:yes|no|withdraw):(\d+)(?::[0-9a-f]{10})?$")
_PLAN_CASE = re.compile(r"^\d+\|plan:case:(\d+)$")
_TASK_BUTTON = re.compile(r"^-\|task:[a-z]+:([A-Za-z0-9_-]{1,24})$")
_NEXT_CASE = re.compile(r"^\d+\|next:case:(\d+)$")
_NEXT_FROM_MEETING = re.compile(r"^\d+\|meeting:nextdate$")
_NEXT_SHOW = re.compile(r"^\d+\|next:show:(\d+)$")  # another meeting of the series
_RSVP = re.compile(r"^-\|rsvp:[a-z]+:([A-Za-z0-9_-]{1,24}):\d+$")
_FEEDBACK_GO = re.compile(r"^-\|fb:go:\d+$")
_RESULTS_CASE = re.compile(r"^\d+\|fbres:case:(\d+)$")
_PROPOSALS_CASE = re.compile(r"^\d+\|(?:proposals|invite):case:(\d+)$")
_PROPOSE_GO = re.compile(r"^-\|propose:go:(\d+)$")
_AUDIT_CASE = re.compile(r"^\d+\|audit:case:(\d+)$")


async def load_context(
    session: AsyncSession,
    *,
    chat_id: int,
    user_id: int,
    telegram_name: str,
    telegram_language: str | None,
    event: Event,
    now: datetime,
    models,
    config: Config,
    default_locale: str,
    new_token,
    sealer: Sealer,
) -> tuple[Context, Person | None, Conversation | None, bool]:
    person, conversation, reply_waiting = await _person_and_conversation(session, user_id, chat_id)
    state = State(
        conversation.flow, conversation.step, dict(conversation.data or {}), conversation.language
    ) if conversation else State()
    person_view, cases = None, ()
    if person is not None:
        memberships, cases = await _cases(session, person)
        person_view = PersonView(person.id, person.name, person.is_coordinator, person.language, memberships)
    invite = await _invite(session, event, state, now)
    preparations, overview = (), None
    if person is not None and _about_preparation(event, state):
        preparations = await load_preparations(session, person.id, now, models, sealer)
        if person.is_coordinator:
            case = _overview_case(event, state, cases)
            overview = await load_overview(session, case, now, models, sealer) if case else None
    chosen = person.language if person is not None else state.language
    ctx = Context(
        now=now,
        chat_id=chat_id,
        telegram_name=telegram_name,
        locale=resolve_locale(chosen, telegram_language, default_locale),
        models=models,
        config=config,
        new_token=new_token,
        person=person_view,
        state=state,
        version=conversation.version if conversation else 0,
        coordinated_cases=cases,
        invite=invite,
        preparations=preparations,
        prep_overview=overview,
        meeting_run=await _meeting_run(session, event, state, person, cases, now, sealer, models) if person is not None else None,
        tasks=await _tasks(session, event, state, person, sealer) if person is not None else (),
        next_plan=await _next_plan(session, event, state, cases, now, sealer) if person is not None and person.is_coordinator else None,
        invitation=await _invitation(session, event, state, person) if person is not None else None,
        feedback=await load_openings(session, person.id, now, sealer) if person is not None and _about_feedback(event, state) else (),
        feedback_results=await _feedback_results(session, event, state, cases, sealer) if person is not None and person.is_coordinator else None,
        plan=await _plan(session, event, state, person, cases, models, sealer) if person is not None else None,
        consent=await consent_context(session, int(match.group(1)))
        if person is not None and isinstance(event, ButtonPress) and (match := _CONSENT_BUTTON.match(event.data)) else None,
        proposals=await _proposals(session, event, state, person, cases, sealer) if person is not None else None,
        audit_trail=await _audit_trail(session, event, state, cases) if cases else None,
        colleagues=await _colleagues(session) if cases and _about_handover(event, state) else (),
    )
    return ctx, person, conversation, bool(reply_waiting)


async def _meeting_run(session, event: Event, state: State, person: Person, cases, now, sealer: Sealer, models=None):
    """The meeting a /meeting event is about: the coordinator's case, or the one a "ready" button names."""
    if isinstance(event, ButtonPress) and (match := _FAMILY_READY.match(event.data) or _PLAN_OWN.match(event.data)):
        return await load_run_by_id(session, int(match.group(1)), sealer, models)
    in_meeting_flow = state.flow in ("meeting", "task") or (state.flow == "plan" and state.data.get("meeting"))
    about = (isinstance(event, Command) and event.name == "meeting") or in_meeting_flow \
        or (isinstance(event, ButtonPress) and _RUN_CASE.match(event.data))
    if not about or not person.is_coordinator:
        return None
    # Within the flow, the meeting it is about; else the case named or the only open one.
    meeting = None
    if in_meeting_flow and state.data.get("meeting") and not isinstance(event, Command):
        meeting = await session.get(Meeting, state.data["meeting"])
        case_id = meeting.case_id if meeting else None
    elif isinstance(event, ButtonPress) and (match := _RUN_CASE.match(event.data)):
        case_id = int(match.group(1))
    else:
        only = _only_open(cases)
        case_id = only.id if only else None
    case = next((c for c in cases if c.id == case_id), None)
    if case is None:
        return None
    if meeting is None:
        meeting = await meeting_to_run(session, case.id, now)
    return await load_run(session, case, meeting, sealer, models) if meeting is not None else None


async def _tasks(session, event: Event, state: State, person: Person, sealer: Sealer):
    if isinstance(event, ButtonPress) and (match := _TASK_BUTTON.match(event.data)):
        return await task_by_ref(session, match.group(1), sealer)
    if state.flow == "tasks" and state.data.get("ref"):
        return await task_by_ref(session, state.data["ref"], sealer)
    if isinstance(event, Command) and event.name == "tasks":
        return await tasks_for(session, person, sealer)
    return ()


async def _plan(session, event: Event, state: State, person: Person, cases: tuple[CaseView, ...], models, sealer: Sealer):
    """The plan an event is about: the version a button names, or the current plan of the
    case /plan is about (the coordinator's case, or the participant's latest case with a plan)."""
    if isinstance(event, ButtonPress) and (match := _PLAN_BUTTON.match(event.data)):
        return await plan_by_ref(session, match.group(1), models, sealer)
    if state.flow == "planno" and state.data.get("ref") and not isinstance(event, Command):
        return await plan_by_ref(session, state.data["ref"], models, sealer)
    case_id = None
    if isinstance(event, ButtonPress) and (match := _PLAN_CASE.match(event.data)):
        case_id = int(match.group(1))
    elif state.flow == "plan" and state.step in ("shown", *PAPER_STEPS) and not isinstance(event, Command):
        case_id = state.data.get("case")
    elif isinstance(event, Command) and event.name == "plan":
        if person.is_coordinator:
            only = _only_open(cases)
            case_id = only.id if only else None
        else:
            rows = list(await session.scalars(select(Participant.case_id).where(Participant.person_id == person.id)
                                              .order_by(Participant.joined_at.desc())))
            for candidate in rows:
                found = await current_plan(session, candidate, models, sealer)
                if found is not None:
                    return found
            return None
    if case_id is None or not any(c.id == case_id for c in cases):
        return None
    return await current_plan(session, case_id, models, sealer)


def _only_open(cases: tuple[CaseView, ...]) -> CaseView | None:
    """A command names no case: it is about the coordinator's one open case, if there is just one."""
    open_cases = [c for c in cases if c.status == "open"]
    return open_cases[0] if len(open_cases) == 1 else None


async def _next_plan(session, event: Event, state: State, cases: tuple[CaseView, ...], now, sealer: Sealer):
    """The case /next (or /close, which cancels an announced meeting) is about."""
    case_id = None
    if isinstance(event, ButtonPress) and (match := _NEXT_CASE.match(event.data)):
        case_id = int(match.group(1))
    elif isinstance(event, ButtonPress) and _NEXT_FROM_MEETING.match(event.data) and state.data.get("meeting"):
        meeting = await session.get(Meeting, state.data["meeting"])
        case_id = meeting.case_id if meeting else None
    elif state.flow in ("next", "close") and state.data.get("case") and not isinstance(event, Command):
        case_id = state.data["case"]
    elif isinstance(event, Command) and event.name in ("next", "close"):
        only = _only_open(cases)
        case_id = only.id if only else None
    case = next((c for c in cases if c.id == case_id), None)
    focus = None  # which of the series' coming meetings: checked against the case's own in the loader
    if isinstance(event, ButtonPress) and (match := _NEXT_SHOW.match(event.data)):
        focus = int(match.group(1))
    elif state.flow == "next" and not isinstance(event, Command):
        focus = state.data.get("meeting")
    return await load_next_plan(session, case, now, sealer, focus) if case is not None else None


async def _proposals(session, event: Event, state: State, person: Person, cases: tuple[CaseView, ...], sealer: Sealer):
    """The case /proposals (or /invite, for its nudge) is about. Whether the reader may see
    it is the flow's to check: the coordinator's own case, or a guardian's or the child's."""
    case_id = None
    if isinstance(event, ButtonPress) and (match := _PROPOSALS_CASE.match(event.data) or _PROPOSE_GO.match(event.data)):
        case_id = int(match.group(1))
    elif state.flow in ("proposals", "propose") and state.data.get("case") and not isinstance(event, Command):
        case_id = state.data["case"]
    elif isinstance(event, Command) and event.name in ("proposals", "invite"):
        if person.is_coordinator:
            only = _only_open(cases)
            case_id = only.id if only else None
        elif event.name == "proposals":
            case_id = await family_case(session, person.id)
    if case_id is None:
        return None
    return await load_proposals(session, case_id, sealer)


async def _invitation(session, event: Event, state: State, person: Person):
    if isinstance(event, ButtonPress) and (match := _RSVP.match(event.data)):
        return await load_invitation(session, match.group(1), person.id)
    if state.flow == "rsvp" and state.data.get("ref") and not isinstance(event, Command):
        return await load_invitation(session, state.data["ref"], person.id)
    return None


async def _audit_trail(session, event: Event, state: State, cases: tuple[CaseView, ...]) -> AuditTrail | None:
    """The trail /audit is about: the case a button or the flow names, or the coordinator's only case;
    only ever one of the cases this person coordinates."""
    case_id = None
    if isinstance(event, ButtonPress) and (match := _AUDIT_CASE.match(event.data)):
        case_id = int(match.group(1))
    elif state.flow == "audit" and not isinstance(event, Command):
        case_id = state.data.get("case")
    elif isinstance(event, Command) and event.name == "audit" and len(cases) == 1:
        case_id = cases[0].id
    case = next((c for c in cases if c.id == case_id), None)
    return AuditTrail(case, await case_lines(session, case.id)) if case is not None else None


def _about_handover(event: Event, state: State) -> bool:
    return (isinstance(event, Command) and event.name == "handover") or state.flow == "handover"


async def _colleagues(session) -> tuple[Colleague, ...]:
    """Every coordinator with rights now, by name: whom a case can go to."""
    rows = await session.scalars(select(Person).where(Person.is_coordinator.is_(True)).order_by(Person.name, Person.id))
    return tuple(Colleague(p.id, p.name, p.chat_id) for p in rows)


def _about_feedback(event: Event, state: State) -> bool:
    if isinstance(event, Command):
        return event.name == "feedback"
    if isinstance(event, ButtonPress) and _FEEDBACK_GO.match(event.data):
        return True
    return state.flow == "feedback"


async def _feedback_results(session, event: Event, state: State, cases: tuple[CaseView, ...], sealer: Sealer):
    case = None
    if isinstance(event, ButtonPress) and (match := _RESULTS_CASE.match(event.data)):
        case = next((c for c in cases if c.id == int(match.group(1))), None)
    elif isinstance(event, Command) and event.name == "feedback" and len(cases) == 1:
        case = cases[0]
    return await load_results(session, case, sealer) if case is not None else None


def _about_preparation(event: Event, state: State) -> bool:
    if isinstance(event, Command):
        return event.name == "prep"
    if isinstance(event, ButtonPress) and (_PREP_GO.match(event.data) or _OVERVIEW_CASE.match(event.data)):
        return True
    return state.flow in ("prep", "prepov")


def _overview_case(event: Event, state: State, cases: tuple[CaseView, ...]) -> CaseView | None:
    """The case a coordinator's /prep is about: named by the button, the flow, or the only open one."""
    case_id = None
    if isinstance(event, ButtonPress) and (match := _OVERVIEW_CASE.match(event.data)):
        case_id = int(match.group(1))
    elif state.flow == "prepov" and not isinstance(event, Command):
        case_id = state.data.get("case")
    else:
        only = _only_open(cases)
        case_id = only.id if only else None
    return next((c for c in cases if c.id == case_id), None)


# The statements read for every update are built once, with bound
# parameters: building one (SQLAlchemy's Python objects) cost more than
# running it from the statement cache (bench_updates profile).
_REPLY_WAITING = exists().where(
    OutboxMessage.chat_id == bindparam("chat_id"), OutboxMessage.status.in_(("pending", RENDERING)),
    OutboxMessage.priority == REPLY).label("reply_waiting")
_PERSON_AND_CONVERSATION = select(Person, Conversation, _REPLY_WAITING) \
    .outerjoin(Conversation, Conversation.chat_id == bindparam("chat_id")) \
    .where(Person.telegram_user_id == bindparam("user_id"))
_CONVERSATION_ONLY = select(_REPLY_WAITING, Conversation) \
    .outerjoin_from(select(literal(1).label("one")).subquery(), Conversation,
                    Conversation.chat_id == bindparam("chat_id"))


async def _person_and_conversation(session: AsyncSession, user_id: int, chat_id: int):
    """The person who wrote, their chat's conversation, and whether a reply
    to the chat still waits in the outbox (bot.engine: then new replies
    queue behind it), in one query; a second only for someone who is not a
    person."""
    found = (await session.execute(_PERSON_AND_CONVERSATION, {"chat_id": chat_id, "user_id": user_id})).first()
    if found is not None:
        return found.Person, found.Conversation, found.reply_waiting
    found = (await session.execute(_CONVERSATION_ONLY, {"chat_id": chat_id})).first()
    return None, found.Conversation, found.reply_waiting


async def _meetings_of(session: AsyncSession, case_id: int) -> tuple[MeetingView, ...]:
    rows = await session.scalars(select(Meeting).where(Meeting.case_id == case_id).order_by(Meeting.starts_at))
    return tuple(meeting_view(m) for m in rows)


COORDINATES = "coordinates"  # not a participant's role: a row of case_coordinators among the people


_CASES_AND_MEETINGS = select(Case, Meeting, Case.id.in_(coordinated_by(bindparam("person_id"))).label("coordinating")) \
    .outerjoin(Meeting, Meeting.case_id == Case.id) \
    .where(or_(Case.id.in_(coordinated_by(bindparam("person_id"))),
               Case.id.in_(select(Participant.case_id).where(Participant.person_id == bindparam("person_id"))))) \
    .order_by(Case.id, Meeting.starts_at)
# The people in the cases (the reader's own rows, and everyone in the cases
# they coordinate) and, for the cases they coordinate, their coordinators
# with rights now (role COORDINATES), in one statement.
_IN_CASES = select(Participant.case_id, Participant.person_id, Participant.role, Person.name, Person.chat_id,
                   Participant.id.label("position")) \
    .join(Person, Person.id == Participant.person_id) \
    .where(Participant.case_id.in_(bindparam("case_ids", expanding=True)),
           or_(Participant.person_id == bindparam("person_id"),
               Participant.case_id.in_(bindparam("coordinated_ids", expanding=True))))
_PEOPLE_OF_CASES = _IN_CASES.order_by(Participant.case_id, Participant.id)
_PEOPLE_AND_COORDINATORS_OF_CASES = union_all(
    _IN_CASES,
    select(CaseCoordinator.case_id, CaseCoordinator.person_id, literal(COORDINATES), Person.name,
           Person.chat_id, CaseCoordinator.id)
    .join(Person, Person.id == CaseCoordinator.person_id)
    .where(CaseCoordinator.case_id.in_(bindparam("coordinated_ids", expanding=True)),
           Person.is_coordinator.is_(True)),
    select(Case.id, Case.coordinator_id, literal(COORDINATES), Person.name, Person.chat_id, literal(0))
    .join(Person, Person.id == Case.coordinator_id)
    .where(Case.id.in_(bindparam("coordinated_ids", expanding=True)), Person.is_coordinator.is_(True)),
).order_by("case_id", "position")


async def _cases(session: AsyncSession, person: Person) -> tuple[tuple[Membership, ...], tuple[CaseView, ...]]:
    """The cases a person is in (memberships) and, for a coordinator, the
    cases they coordinate (alone or beside others): the cases with their
    meetings in one query, the people in them and each coordinated case's
    coordinators in a second (only with cases), and for coordinated cases the
    people without Telegram in a third."""
    rows = (await session.execute(_CASES_AND_MEETINGS, {"person_id": person.id})).all()
    cases: dict[int, Case] = {}
    meetings: dict[int, list[MeetingView]] = {}
    coordinates: set[int] = set()
    for case, meeting, coordinating in rows:
        cases[case.id] = case
        if coordinating and person.is_coordinator:
            coordinates.add(case.id)
        found = meetings.setdefault(case.id, [])
        if meeting is not None:
            found.append(meeting_view(meeting))
    if not cases:
        return (), ()
    coordinated = [c for c in cases.values() if c.id in coordinates]
    coordinated_ids = [c.id for c in coordinated]
    people = (await session.execute(
        _PEOPLE_AND_COORDINATORS_OF_CASES if coordinated_ids else _PEOPLE_OF_CASES,
        {"person_id": person.id, "case_ids": list(cases), "coordinated_ids": coordinated_ids})).all()
    memberships = tuple(
        Membership(p.case_id, cases[p.case_id].pseudonym, p.role, cases[p.case_id].status, cases[p.case_id].timezone,
                   tuple(meetings[p.case_id]))
        for p in people if p.person_id == person.id and p.role != COORDINATES
    )
    if not coordinated:
        return memberships, ()
    offline = await offline_attendees(session, coordinated_ids)
    in_case: dict[int, list] = {case_id: [p for p in people if p.case_id == case_id and p.role != COORDINATES]
                                for case_id in coordinated_ids}
    colleagues: dict[int, list[tuple[int, str]]] = {case_id: [] for case_id in coordinated_ids}
    for p in people:  # the lead first (its own row, or the case's lead), then the others in the order they were added
        if p.role == COORDINATES and (p.person_id, p.name) not in colleagues[p.case_id]:
            colleagues[p.case_id].append((p.person_id, p.name))
    return memberships, tuple(
        CaseView(c.id, c.pseudonym, c.model_id, c.timezone, c.status, c.coordinator_id,
                 tuple(meetings[c.id]), tuple((p.name, p.role) for p in in_case[c.id]),
                 tuple(p.chat_id for p in in_case[c.id]), offline[c.id], c.placed_on, c.moved_out_on, c.decision_on,
                 tuple(colleagues[c.id]))
        for c in coordinated
    )


async def _invite(session: AsyncSession, event: Event, state: State, now: datetime) -> InviteView | None:
    """The invite an event refers to: by /start token, by the flow's state, or by a revoke button."""
    invite = None
    if isinstance(event, Command) and event.name == "start" and event.args.strip():
        token = event.args.strip()
        if _TOKEN.match(token):
            invite = await session.scalar(select(Invite).where(Invite.token_hash == token_hash(token)))
    elif isinstance(event, ButtonPress) and (match := _REF.match(event.data)):
        invite = await session.scalar(select(Invite).where(Invite.token_hash.startswith(match.group(1))))
    elif state.data.get("invite_id"):
        invite = await session.get(Invite, state.data["invite_id"])
    if invite is None:
        return None
    case = await session.get(Case, invite.case_id) if invite.case_id else None
    coordinator = await session.get(Person, case.coordinator_id) if case and case.coordinator_id else None
    if invite.revoked_at is not None or (case is not None and case.status != "open"):
        status = "revoked"
    elif invite.used_at is not None:
        status = "used"  # a coordinator's link, or a proposed person's own (role links stay open)
    elif invite.expires_at <= now:
        status = "expired"
    else:
        status = "ok"
    return InviteView(
        id=invite.id,
        status=status,
        kind=invite.kind,
        case_id=invite.case_id,
        role=invite.role,
        pseudonym=case.pseudonym if case else None,
        coordinator_id=case.coordinator_id if case else None,
        coordinator_chat_id=coordinator.chat_id if coordinator else None,
        expires_at=invite.expires_at,
        model_id=case.model_id if case else None,
        meetings=await _meetings_of(session, case.id) if case else (),
        other_coordinator_chats=await other_coordinator_chats(session, case) if case else (),
    )
