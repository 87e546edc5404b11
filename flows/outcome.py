"""What a flow returns: messages, domain changes and the next conversation state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flows.text import Moment, T

# Priorities for the outbox: replies to someone's action go before bulk.
REPLY, NOTICE, BULK = 0, 1, 2


@dataclass(frozen=True)
class Button:
    label: T | str  # a str is shown as is (a language's own name, a case pseudonym)
    action: str = ""  # callback data, if a callback button
    url: str | None = None


@dataclass(frozen=True)
class NetworkMap:
    """A picture of a network map, drawn by the Telegram side in the reader's language."""

    people: tuple[tuple[str, str, int], ...]  # (name, kind, closeness)


@dataclass(frozen=True)
class FeedbackChart:
    """A chart of a case's feedback across its meetings, drawn by the Telegram
    side in the reader's language: one line per item, 0 to 10."""

    items: tuple[T | str, ...]  # the items' short names, the legend (a str is shown as is: a goal in the family's words)
    meetings: tuple[tuple[Moment, tuple[float | None, ...]], ...]  # (when, the mean of each item)
    low: int | None  # answers at or below this count as low: drawn as a line (None: no line)


@dataclass(frozen=True)
class CalendarEntry:
    """A calendar file (.ics) for one meeting, in the reader's language. The
    same `uid` with a higher `sequence` replaces the entry on the phone."""

    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    timezone: str
    title: T
    description: T
    location: str | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class PlanPdf:
    """The plan as a PDF document, drawn by the Telegram side in the reader's
    language, off the event loop and after the change is committed."""

    ref: str  # the plan version's reference


@dataclass(frozen=True)
class Reply:
    """One message to one chat. `chat_id=None` means the chat of the event."""

    parts: tuple[T, ...]
    buttons: tuple[tuple[Button, ...], ...] = ()
    chat_id: int | None = None
    qr_url: str | None = None  # send as a photo with a QR code of this URL
    edit_message_id: int | None = None  # edit this message instead of sending
    priority: int = REPLY
    # Buttons on a conversation's messages carry its version so old ones are
    # recognisable; notices to other people carry none.
    stamp_buttons: bool = True
    language: str | None = None  # render in this language instead of the reader's stored one
    picture: NetworkMap | FeedbackChart | None = None  # send as a photo of this, the text as its caption
    voice: str | None = None  # send this Telegram voice file (by file_id), the text as its caption
    calendar: CalendarEntry | None = None  # after the text, send this calendar file
    broadcast: str | None = None  # the reference of the broadcast this message is part of
    document: PlanPdf | None = None  # after the text, send this document
    # The plan and people's answers: Telegram lets nobody forward or save the message.
    protect_content: bool = False


def reply(*parts: T, buttons=(), **kwargs: Any) -> Reply:
    return Reply(tuple(parts), tuple(tuple(row) for row in buttons), **kwargs)


@dataclass(frozen=True)
class State:
    """A chat's place in a flow. `flow=None` means idle."""

    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    language: str | None = None  # chosen before consenting; persons keep theirs


IDLE = State()


# ---- domain changes -------------------------------------------------------


@dataclass(frozen=True)
class BecomeCoordinator:
    invite_id: int
    name: str
    language: str | None


@dataclass(frozen=True)
class JoinCase:
    invite_id: int
    case_id: int
    role: str
    name: str
    language: str | None


@dataclass(frozen=True)
class CreateCase:
    pseudonym: str
    model_id: str
    meeting_type: str
    starts_at: datetime
    timezone: str
    place: str | None


@dataclass(frozen=True)
class CreateInvite:
    case_id: int
    role: str
    token: str
    expires_at: datetime
    proposal_id: int | None = None  # a link for one proposed person: it works once, and marks them joined


@dataclass(frozen=True)
class AddProposal:
    """A guardian or the child proposes someone to invite (the name and relation are sealed)."""

    case_id: int
    name: str
    relation: str | None
    by_child: bool


@dataclass(frozen=True)
class SetProposalStatus:
    """The coordinator moves a proposal on: asked | agreed | declined (and may tell the family of a no)."""

    proposal_id: int
    status: str
    family_told: bool = False


@dataclass(frozen=True)
class RevokeInvite:
    invite_id: int


@dataclass(frozen=True)
class SetLanguage:
    language: str


@dataclass(frozen=True)
class ErasePerson:
    pass


@dataclass(frozen=True)
class SaveAnswer:
    meeting_id: int
    question_id: str
    kind: str
    value: dict
    visibility: str


@dataclass(frozen=True)
class SetAnswerVisibility:
    meeting_id: int
    question_id: str
    visibility: str


@dataclass(frozen=True)
class SetPrepProgress:
    meeting_id: int
    position: int
    status: str  # started | finished
    part: int = 0  # the part (column) of a three-column question to resume at


@dataclass(frozen=True)
class OpenPreparation:
    """The coordinator opens preparation now instead of at the model's lead time."""

    meeting_id: int


@dataclass(frozen=True)
class Audit:
    """Something worth a line in the case's audit trail (viewed the digest, nudged someone)."""

    case_id: int
    action: str
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class NotePrepReminder:
    """A coordinator reminded a person by hand: it counts like a reminder."""

    meeting_id: int
    person_id: int


@dataclass(frozen=True)
class UpdateMeeting:
    """The agenda moved: new progress, and a new status when it starts or ends.
    `timed_step` asks for the step's "near the end" and "past the end" timers."""

    meeting_id: int
    progress: dict
    status: str | None = None
    timed_step: tuple[int, int] | None = None  # (step index, planned minutes)


@dataclass(frozen=True)
class CreateTask:
    meeting_id: int
    ref: str
    what: str
    due_at: datetime | None
    owner_ids: tuple[int, ...]


@dataclass(frozen=True)
class TaskResponse:
    """An owner answers a task: accept, done, or (for the trail) asked to talk, for help, for a new date."""

    ref: str
    action: str  # accept | done (their part) | not_yet | talk | help | new_date


@dataclass(frozen=True)
class MarkTaskDone:
    """The coordinator marks a task done for all its owners."""

    ref: str


@dataclass(frozen=True)
class ConfirmPlanRead:
    meeting_id: int


@dataclass(frozen=True)
class CloseCase:
    case_id: int


@dataclass(frozen=True)
class SaveFeedback:
    """A family member's feedback on a meeting, saved as it is given: one
    item's score (None: skipped), or more of the free text."""

    meeting_id: int
    item: str | None = None
    score: float | None = None
    comment: str | None = None  # the whole comment so far


@dataclass(frozen=True)
class SubmitFeedback:
    """The feedback is complete: the coordinator may see it now."""

    meeting_id: int


@dataclass(frozen=True)
class AnnounceMeeting:
    """The next meeting is announced: a new one (`meeting_id=None`) or the
    planned one, at this time and place, to these people."""

    case_id: int
    meeting_id: int | None
    ref: str
    meeting_type: str
    starts_at: datetime
    place: str | None
    invited: tuple[int, ...]


@dataclass(frozen=True)
class MoveMeeting:
    """An announced meeting gets a new time or place (calendar revision +1);
    earlier answers no longer hold."""

    meeting_id: int
    starts_at: datetime
    place: str | None


@dataclass(frozen=True)
class CancelMeeting:
    meeting_id: int


@dataclass(frozen=True)
class DecideAgendaPoint:
    """The coordinator accepts a proposed point for the meeting's agenda (in
    `text`, their wording or the proposer's) or leaves it out."""

    meeting_id: int
    person_id: int
    question_id: str
    status: str  # accepted | left_out
    text: str | None = None


@dataclass(frozen=True)
class RecordCaseDate:
    """The coordinator records the day the child was placed ("placed_on") or
    moved out ("moved_out_on"): the series' cadence counts from them."""

    case_id: int
    which: str  # placed_on | moved_out_on | decision_on
    day: date


@dataclass(frozen=True)
class AnswerInvitation:
    meeting_id: int
    response: str  # yes | no | other
    note: str | None = None


@dataclass(frozen=True)
class RecordBroadcast:
    """Replies carrying `ref` went to `recipients` people: the coordinator is
    told who could not be reached once they are delivered."""

    ref: str
    case_id: int
    kind: str  # announce | move | cancel | close
    recipients: int


@dataclass(frozen=True)
class AddPlanView:
    """The child's or a guardian's view in their own words, added to the plan
    of this meeting (`source`: said at the meeting, or their own preparation answer)."""

    meeting_id: int
    person_id: int
    text: str
    source: str = "said"


@dataclass(frozen=True)
class SetOrganisation:
    """The organisation a professional acts for in this case."""

    case_id: int
    person_id: int
    organisation: str


@dataclass(frozen=True)
class CreatePlanVersion:
    """A new version of the case's plan (`content`: JSON, people by id)."""

    case_id: int
    meeting_id: int | None
    ref: str
    content: dict


@dataclass(frozen=True)
class AnswerPlan:
    """Someone's own answer to a version of the plan: agree | disagree | read."""

    ref: str
    answer: str
    note: str | None = None


@dataclass(frozen=True)
class GiveConsent:
    """A guardian's own answer on exchanging information for the plan: given | refused | withdrawn,
    for these organisations."""

    case_id: int
    organisations: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class AddOfflineMember:
    """The coordinator adds someone without Telegram to a case."""

    case_id: int
    name: str
    role: str
    organisation: str | None


@dataclass(frozen=True)
class RemoveOfflineMember:
    case_id: int
    member_id: int  # the row's id (positive)


@dataclass(frozen=True)
class RecordPaperAnswer:
    """The coordinator records the answer of someone without Telegram to a version of the plan."""

    ref: str
    member_id: int
    answer: str  # agree | disagree
    signed_on: datetime | None = None
    note: str | None = None


@dataclass(frozen=True)
class SetTaskStatus:
    """The coordinator settles an action carried over from the last plan: done, or dropped (cancelled)."""

    ref: str
    status: str  # done | cancelled


@dataclass(frozen=True)
class HandOverCase:
    """A coordinator hands their part in a case to another coordinator: the new one
    leads if they led, and they themselves no longer have rights to the case."""

    case_id: int
    to_id: int


@dataclass(frozen=True)
class AddCaseCoordinator:
    """A coordinator gives another coordinator rights to the case beside them."""

    case_id: int
    person_id: int


Change = (
    BecomeCoordinator | JoinCase | CreateCase | CreateInvite | RevokeInvite | SetLanguage | ErasePerson
    | SaveAnswer | SetAnswerVisibility | SetPrepProgress | OpenPreparation | Audit | NotePrepReminder
    | UpdateMeeting | CreateTask | TaskResponse | MarkTaskDone | ConfirmPlanRead | CloseCase | SaveFeedback | SubmitFeedback
    | AnnounceMeeting | MoveMeeting | CancelMeeting | RecordCaseDate | DecideAgendaPoint | AnswerInvitation | RecordBroadcast
    | AddPlanView | SetOrganisation | CreatePlanVersion | AnswerPlan | GiveConsent | SetTaskStatus
    | AddOfflineMember | RemoveOfflineMember | RecordPaperAnswer | AddProposal | SetProposalStatus
    | HandOverCase | AddCaseCoordinator
)


@dataclass(frozen=True)
class Outcome:
    state: State
    replies: tuple[Reply, ...] = ()
    changes: tuple[Change, ...] = ()
    toast: T | None = None  # the short answer to a pressed button
    # After a button press, take the buttons off the pressed message so it
    # cannot be pressed twice (unless a reply edits that message itself).
    clear_buttons: bool = True


# The chat of someone without Telegram (flows.offline): what the flows would
# tell them goes nowhere; where it matters the coordinator is told in their place.
NO_CHAT = 0


def outcome(state: State, *replies: Reply, changes=(), toast: T | None = None, clear_buttons: bool = True) -> Outcome:
    return Outcome(state, tuple(r for r in replies if r.chat_id != NO_CHAT), tuple(changes), toast, clear_buttons)
