"""What a flow may read: a snapshot the storage side loads before the event."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from flows.outcome import IDLE, State


@dataclass(frozen=True)
class MeetingView:
    id: int
    meeting_type: str
    starts_at: datetime
    place: str | None
    status: str


@dataclass(frozen=True)
class Membership:
    case_id: int
    pseudonym: str
    role: str
    case_status: str
    timezone: str
    meetings: tuple[MeetingView, ...] = ()


@dataclass(frozen=True)
class PersonView:
    id: int
    name: str
    is_coordinator: bool
    language: str | None
    memberships: tuple[Membership, ...] = ()


@dataclass(frozen=True)
class CaseView:
    id: int
    pseudonym: str
    model_id: str
    timezone: str
    status: str
    coordinator_id: int
    meetings: tuple[MeetingView, ...] = ()
    participants: tuple[tuple[str, str], ...] = ()  # (name, role)
    participant_chats: tuple[int, ...] = ()  # where to tell them (closing the case)


@dataclass(frozen=True)
class InviteView:
    """An invite the event refers to, with why it can or cannot be used."""

    id: int
    status: str  # ok | expired | revoked | used
    kind: str  # participant | coordinator
    case_id: int | None = None
    role: str | None = None
    pseudonym: str | None = None
    coordinator_id: int | None = None
    coordinator_chat_id: int | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class AnswerView:
    kind: str  # text | voice | choice | scale | columns | network_map | skipped
    value: dict
    visibility: str


@dataclass(frozen=True)
class PrepView:
    """One person's preparation for one meeting, as far as they may see it."""

    meeting_id: int
    case_id: int
    pseudonym: str
    model_id: str
    meeting_type: str
    starts_at: datetime
    opens_at: datetime
    timezone: str
    meeting_status: str
    role: str
    follow_up: bool
    status: str  # new | invited | started | finished
    position: int = 0
    answers: dict = field(default_factory=dict)  # question id -> AnswerView
    previous_tasks: tuple[tuple[str, str], ...] = ()  # (what, status) agreed last time, for follow-ups


@dataclass(frozen=True)
class PrepPerson:
    person_id: int
    chat_id: int
    name: str
    role: str
    status: str  # new | invited | started | finished
    answered: int
    total: int


@dataclass(frozen=True)
class SharedAnswer:
    person_id: int
    name: str
    role: str
    question_id: str
    answer: AnswerView


@dataclass(frozen=True)
class PrepOverview:
    """What a coordinator sees of a meeting's preparation: never private notes."""

    case: CaseView
    meeting: MeetingView
    opens_at: datetime
    follow_up: bool
    people: tuple[PrepPerson, ...] = ()
    shared: tuple[SharedAnswer, ...] = ()


@dataclass(frozen=True)
class Attendee:
    person_id: int
    chat_id: int
    name: str
    role: str
    notes: tuple = ()  # (question id, AnswerView): their own preparation, for their cue card


@dataclass(frozen=True)
class TaskView:
    ref: str
    case_id: int
    pseudonym: str
    timezone: str
    what: str
    due_at: datetime | None
    status: str  # open | done
    owners: tuple[tuple[int, str, bool], ...] = ()  # (person id, name, accepted)
    coordinator_chat_id: int | None = None

    def owned_by(self, person_id: int) -> bool:
        return any(owner == person_id for owner, _name, _accepted in self.owners)


@dataclass(frozen=True)
class MeetingRun:
    """A meeting as the agenda runner sees it. `progress` is the stored JSON:
    present (person ids), absent_reason, step, speaker, paused, family_ready."""

    case: CaseView
    meeting: MeetingView
    coordinator_chat_id: int | None
    progress: dict
    people: tuple[Attendee, ...] = ()
    tasks: tuple[TaskView, ...] = ()  # agreed at this meeting


@dataclass(frozen=True)
class Config:
    default_timezone: str = "Europe/Stockholm"
    invite_ttl: timedelta = timedelta(days=14)
    bot_username: str = "meetbot"
    retention_days: int = 365


@dataclass(frozen=True)
class Context:
    now: datetime
    chat_id: int
    telegram_name: str
    locale: str
    models: object  # flows.meeting_models.ModelRegistry
    config: Config
    new_token: Callable[[], str]
    person: PersonView | None = None
    state: State = IDLE
    version: int = 0
    coordinated_cases: tuple[CaseView, ...] = ()
    invite: InviteView | None = None  # from a /start payload, the state, or a button
    # Loaded only for preparation events: the person's open preparations, or
    # the coordinator's overview of the case in question.
    preparations: tuple[PrepView, ...] = ()
    prep_overview: PrepOverview | None = None
    meeting_run: MeetingRun | None = None  # for /meeting and its buttons
    tasks: tuple[TaskView, ...] = ()  # for /tasks and the buttons on a task

    def case(self, case_id: int) -> CaseView | None:
        return next((c for c in self.coordinated_cases if c.id == case_id), None)
