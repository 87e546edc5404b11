"""What a flow may read: a snapshot the storage side loads before the event."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable

from flows.outcome import IDLE, State


class CoordinatorsTold:
    """A view whose case's coordinators are told something: the lead (`coordinator_chat_id`)
    and every other coordinator of the case (`other_coordinator_chats`)."""

    @property
    def coordinator_chats(self) -> tuple[int, ...]:
        lead = (self.coordinator_chat_id,) if self.coordinator_chat_id else ()
        return lead + tuple(chat for chat in self.other_coordinator_chats if chat not in lead)


@dataclass(frozen=True)
class MeetingView:
    id: int
    meeting_type: str
    starts_at: datetime
    place: str | None
    status: str  # planned | running | ended | cancelled
    ref: str | None = None  # set once the meeting is announced
    sequence: int = 0  # the calendar revision: raised when it moves or is cancelled


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
    coordinator_id: int | None  # the lead coordinator; None once the last one was removed
    meetings: tuple[MeetingView, ...] = ()
    participants: tuple[tuple[str, str], ...] = ()  # (name, role)
    participant_chats: tuple[int, ...] = ()  # where to tell them (closing the case)
    offline: tuple["Attendee", ...] = ()  # the people without Telegram (flows.offline), for the coordinator's cases
    placed_on: date | None = None  # recorded by the coordinator: what a cadence may count from
    moved_out_on: date | None = None
    decision_on: date | None = None  # a coming decision: the talk with the child is due before it
    # Everyone with coordinator rights to the case, the lead (coordinator_id) first: (person id, name).
    # Left empty, the lead alone.
    coordinators: tuple[tuple[int, str], ...] = ()

    @property
    def coordinator_ids(self) -> tuple[int, ...]:
        if self.coordinators:
            return tuple(pid for pid, _name in self.coordinators)
        return (self.coordinator_id,) if self.coordinator_id is not None else ()


@dataclass(frozen=True)
class InviteView(CoordinatorsTold):
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
    # The case's model and meetings: whether the family is asked for proposals when they join.
    model_id: str | None = None
    meetings: tuple[MeetingView, ...] = ()
    other_coordinator_chats: tuple[int, ...] = ()  # the case's other coordinators, told too


@dataclass(frozen=True)
class AnswerView:
    kind: str  # text | voice | choice | scale | columns | network_map | progress | skipped
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
    part: int = 0  # at a three-column question: the column to resume at
    answers: dict = field(default_factory=dict)  # question id -> AnswerView
    # The plan so far, for follow-ups: its goals still worked on (flows.goal_progress)
    # and its actions (all of them, done and dropped too, with who answers for each).
    previous_goals: tuple[dict, ...] = ()
    previous_actions: tuple["TaskView", ...] = ()
    agenda: tuple[str, ...] = ()  # the points for the meeting the coordinator accepted so far


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
class AgendaDecision:
    """The coordinator's decision on a proposed agenda point (flows.agenda)."""

    person_id: int
    question_id: str
    status: str  # accepted | left_out
    text: str | None = None  # the accepted point's wording


@dataclass(frozen=True)
class PrepOverview:
    """What a coordinator sees of a meeting's preparation: never private notes."""

    case: CaseView
    meeting: MeetingView
    opens_at: datetime
    follow_up: bool
    people: tuple[PrepPerson, ...] = ()
    shared: tuple[SharedAnswer, ...] = ()
    goals: tuple[dict, ...] = ()  # the plan's goals people were asked about (flows.goal_progress)
    agenda: tuple[AgendaDecision, ...] = ()  # decided proposals, in the order they were decided


@dataclass(frozen=True)
class Attendee:
    person_id: int
    chat_id: int
    name: str
    role: str
    notes: tuple = ()  # (question id, AnswerView): their own preparation, for their cue card
    organisation: str | None = None  # for a professional: who they act for

    @property
    def without_telegram(self) -> bool:
        """Added by the coordinator (flows.offline): a negative id, and no chat to write to."""
        return self.person_id < 0


@dataclass(frozen=True)
class TaskView(CoordinatorsTold):
    ref: str
    case_id: int
    pseudonym: str
    timezone: str
    what: str
    due_at: datetime | None
    status: str  # open | done
    owners: tuple[tuple[int, str, bool], ...] = ()  # (person id, name, accepted)
    coordinator_chat_id: int | None = None
    done_by: frozenset[int] = frozenset()  # the owners who said their part is done
    owner_chats: tuple[tuple[int, int], ...] = ()  # (person id, chat id): to ask the others
    other_coordinator_chats: tuple[int, ...] = ()  # the case's other coordinators, told too

    def owned_by(self, person_id: int) -> bool:
        return any(owner == person_id for owner, _name, _accepted in self.owners)

    def not_done(self) -> tuple[tuple[int, str], ...]:
        """The owners whose part is still open: (person id, name)."""
        return tuple((owner, name) for owner, name, _accepted in self.owners if owner not in self.done_by)


@dataclass(frozen=True)
class PlanViewEntry:
    person_id: int
    name: str
    role: str
    text: str
    source: str  # said | own
    at: datetime


@dataclass(frozen=True)
class PlanAnswer:
    person_id: int
    answer: str  # agree | disagree | read
    note: str | None
    at: datetime
    on_paper: datetime | None = None  # someone without Telegram: the day they signed (or said no), as the coordinator recorded it


@dataclass(frozen=True)
class ConsentView:
    """A guardian's answer on exchanging information for the plan (the latest one counts)."""

    person_id: int
    organisations: tuple[str, ...]
    answer: str  # given | refused | withdrawn
    at: datetime


@dataclass(frozen=True)
class ConsentContext(CoordinatorsTold):
    """What a consent button needs: the case, its people (with their organisations) and the answers so far."""

    case: CaseView
    people: tuple[Attendee, ...]
    consents: tuple[ConsentView, ...] = ()
    coordinator_chat_id: int | None = None
    other_coordinator_chats: tuple[int, ...] = ()  # the case's other coordinators, told too


@dataclass(frozen=True)
class PlanSnapshot(CoordinatorsTold):
    """One version of a case's plan, with everything it names resolved:
    what /plan shows, the PDF draws, and agreement is asked about."""

    ref: str
    number: int
    case: CaseView
    created_at: datetime
    content: dict  # goals, situation, columns, responsibility, present, absent_reason, evaluation, next_people
    people: tuple[Attendee, ...]  # everyone taking part in the case now
    meeting: MeetingView | None = None  # the meeting it came from
    meeting_name: str | None = None  # that meeting type's name (an msgid)
    child_agrees: bool = False  # the model asks the young person to agree too
    actions: tuple[TaskView, ...] = ()
    views: tuple[PlanViewEntry, ...] = ()
    answers: tuple[PlanAnswer, ...] = ()
    next_meeting: MeetingView | None = None
    coordinator_name: str | None = None
    coordinator_chat_id: int | None = None
    latest: bool = True  # no newer version exists
    information_consent: bool = False  # the model asks the guardians to consent to exchanging information
    consents: tuple[ConsentView, ...] = ()
    other_coordinator_chats: tuple[int, ...] = ()  # the case's other coordinators, told too

    def person(self, person_id: int | None) -> Attendee | None:
        return next((p for p in self.people if p.person_id == person_id), None)

    def answer_of(self, person_id: int) -> PlanAnswer | None:
        return next((a for a in self.answers if a.person_id == person_id), None)

    def asked_to_agree(self) -> tuple[Attendee, ...]:
        """The guardians, the young person where the model asks, and everyone answering for an action."""
        owners = {pid for task in self.actions if task.status == "open" for pid, _name, _accepted in task.owners}
        return tuple(p for p in self.people
                     if p.role == "family" or (p.role == "child" and self.child_agrees) or p.person_id in owners)


@dataclass(frozen=True)
class MeetingRun(CoordinatorsTold):
    """A meeting as the agenda runner sees it. `progress` is the stored JSON:
    present (person ids), absent_reason, step, speaker, paused, family_ready."""

    case: CaseView
    meeting: MeetingView
    coordinator_chat_id: int | None
    progress: dict
    people: tuple[Attendee, ...] = ()
    tasks: tuple[TaskView, ...] = ()  # agreed at this meeting
    previous_plan: PlanSnapshot | None = None  # the case's plan so far: this meeting starts from it
    views: tuple[PlanViewEntry, ...] = ()  # the views noted at this meeting
    consents: tuple[ConsentView, ...] = ()  # the guardians' answers on exchanging information
    coming: tuple[MeetingView, ...] = ()  # the case's other planned meetings still ahead, soonest first
    agenda: tuple[str, ...] = ()  # the points for the meeting the coordinator accepted
    other_coordinator_chats: tuple[int, ...] = ()  # the case's other coordinators, told too


@dataclass(frozen=True)
class Invitee:
    """Someone taking part in a case, and their answer to an announced meeting."""

    person_id: int
    chat_id: int
    name: str
    role: str
    response: str | None = None  # yes | no | other; None: not answered (or not invited)
    note: str | None = None


@dataclass(frozen=True)
class NextMeetingPlan:
    """What /next sees of one case: its meetings, its people, and the
    upcoming meeting with the answers to it if it was announced."""

    case: CaseView
    people: tuple[Invitee, ...]  # everyone taking part in the case
    history: tuple[MeetingView, ...]  # the case's meetings that took or take place, oldest first
    upcoming: MeetingView | None = None  # the next planned meeting, if any
    invited: tuple[Invitee, ...] = ()  # with their answers, once `upcoming` is announced
    next_people: tuple[int, ...] | None = None  # "who takes part next time", noted at the last meeting
    coming: tuple[MeetingView, ...] = ()  # every planned meeting still ahead, soonest first (a series)
    agreed_weeks: int | None = None  # how often to follow up, as the last meeting that said so agreed
    # The chats invited to each announced meeting ahead: closing the case takes each out of their calendars.
    coming_invited: tuple[tuple[int, tuple[int, ...]], ...] = ()


@dataclass(frozen=True)
class InvitationView(CoordinatorsTold):
    """A person's invitation to an announced meeting (for the reply buttons)."""

    case: CaseView
    meeting: MeetingView
    response: str | None
    coordinator_chat_id: int | None
    other_coordinator_chats: tuple[int, ...] = ()  # the case's other coordinators, told too


@dataclass(frozen=True)
class FeedbackOpening(CoordinatorsTold):
    """A meeting one person may tell about (or is refused, and why)."""

    meeting: MeetingView
    case_id: int
    pseudonym: str
    model_id: str
    timezone: str
    role: str
    present: bool  # was at the meeting
    open: bool  # the meeting has ended and the next one has not started
    scores: dict = field(default_factory=dict)  # what they answered so far: item -> 0..10 or None (skipped)
    comment: str | None = None
    submitted: bool = False
    previous: dict = field(default_factory=dict)  # their scores at the case's meeting before, for the alert
    coordinator_chat_id: int | None = None
    other_coordinator_chats: tuple[int, ...] = ()  # the case's other coordinators, told too


@dataclass(frozen=True)
class FeedbackGiven:
    person_id: int
    name: str
    role: str
    scores: dict
    comment: str | None = None


@dataclass(frozen=True)
class FeedbackResults:
    """A coordinator's view of one case's feedback: per ended meeting, oldest first."""

    case: CaseView
    meetings: tuple[tuple[MeetingView, tuple[FeedbackGiven, ...]], ...] = ()
    # The plan's goals over the case's versions, oldest first: (when, ((goal key, its words, "now" 0-10 or None), ...)).
    goals: tuple[tuple[datetime, tuple[tuple[str, str, int | None], ...]], ...] = ()


@dataclass(frozen=True)
class ProposalView:
    """Someone the family proposed to invite, and how far the coordinator has come with them."""

    id: int
    name: str
    relation: str | None  # how they know the child, in the proposer's words
    by_child: bool  # the child's own proposal
    proposer_id: int | None
    proposer_name: str | None
    proposer_chat_id: int | None
    status: str  # proposed | asked | agreed | declined | link_sent | joined | prepared
    family_told: bool = False  # the coordinator chose to tell the proposer of a "no"
    invite_id: int | None = None  # the link made for them


@dataclass(frozen=True)
class ProposalList:
    """One case's proposals, as far as the reader may see them (flows.proposals)."""

    case_id: int
    pseudonym: str
    model_id: str
    timezone: str
    coordinator_id: int
    coordinator_chat_id: int | None
    meetings: tuple[MeetingView, ...] = ()
    proposals: tuple[ProposalView, ...] = ()
    # The family's chats, to ask them for proposals: (person id, chat id, role).
    family: tuple[tuple[int, int, str], ...] = ()

    def get(self, proposal_id: int) -> ProposalView | None:
        return next((p for p in self.proposals if p.id == proposal_id), None)


@dataclass(frozen=True)
class AuditLine:
    """One line of a case's trail, with whatever it names already resolved:
    people by name (None: since erased), meetings by their time; never what anyone wrote."""

    at: datetime
    action: str
    who: str | None  # the actor's name; None: someone since erased, or nobody (`by`)
    by: str = "person"  # person | operator | retention
    role: str | None = None
    meeting_at: datetime | None = None  # the meeting it is about, if it still exists
    other: str | None = None  # the other person it names (a handover's new coordinator), if still there
    count: int | None = None  # people announced to, owners of a task, ...
    response: str | None = None  # an answer to an invitation: yes | no | other


@dataclass(frozen=True)
class AuditTrail:
    """A coordinator's view of their case's audit trail, oldest first."""

    case: CaseView
    lines: tuple[AuditLine, ...] = ()


@dataclass(frozen=True)
class Colleague:
    """A coordinator a case can be handed over to, or shared with."""

    person_id: int
    name: str
    chat_id: int


@dataclass(frozen=True)
class Config:
    default_timezone: str = "Europe/Stockholm"
    invite_ttl: timedelta = timedelta(days=14)
    bot_username: str = "meetbot"
    retention_days: int = 365
    feedback_low: int = 4  # a feedback answer at or below this alerts the coordinator
    feedback_drop: int = 3  # so does one this much lower than the same person's last time


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
    next_plan: NextMeetingPlan | None = None  # for /next, and /close (an announced meeting is cancelled)
    invitation: InvitationView | None = None  # for the reply buttons of an announced meeting
    feedback: tuple[FeedbackOpening, ...] = ()  # a participant's meetings to tell about, newest first
    feedback_results: FeedbackResults | None = None  # a coordinator's /feedback
    plan: PlanSnapshot | None = None  # for /plan and the buttons on a plan
    consent: ConsentContext | None = None  # for the buttons on a consent request
    proposals: ProposalList | None = None  # for /proposals, its buttons and /invite
    audit_trail: AuditTrail | None = None  # for /audit: the trail of the case it is about
    colleagues: tuple[Colleague, ...] = ()  # for /handover: every coordinator with rights now

    def case(self, case_id: int) -> CaseView | None:
        return next((c for c in self.coordinated_cases if c.id == case_id), None)
