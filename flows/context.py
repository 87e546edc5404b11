"""What a flow may read: a snapshot the storage side loads before the event."""

from __future__ import annotations

from dataclasses import dataclass
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
class Config:
    default_timezone: str = "Europe/Stockholm"
    invite_ttl: timedelta = timedelta(days=14)
    bot_username: str = "meetbot"


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

    def case(self, case_id: int) -> CaseView | None:
        return next((c for c in self.coordinated_cases if c.id == case_id), None)
