"""The tables. Everything that matters lives here: people, cases, conversation
positions, incoming updates and outgoing messages.

Times are stored in UTC (timezone-aware on PostgreSQL, naive-UTC on SQLite;
`UtcDateTime` makes both come back aware)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and always returns them aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use UTC-aware datetimes")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


# Ids are never given out twice, so a newcomer can never inherit what still
# names an erased person: SQLite's AUTOINCREMENT (without it SQLite reuses
# the highest id once its row is deleted); PostgreSQL's sequences never
# go back anyway.
NO_REUSE = {"sqlite_autoincrement": True}


class Person(Base):
    """Someone who consented (participant) or was made a coordinator."""

    __tablename__ = "people"
    __table_args__ = NO_REUSE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(100))
    language: Mapped[str | None] = mapped_column(String(8))
    telegram_language: Mapped[str | None] = mapped_column(String(16))
    is_coordinator: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Told once that edited messages are not read (bot.edits).
    told_about_edits: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = NO_REUSE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(60))
    # The lead coordinator: the one the family knows as theirs, named in the plan, and told
    # what happens in the case. Everyone with coordinator rights to it, the lead too, is in
    # `case_coordinators`. None when its last coordinator was removed (`meetbot handover`
    # gives it a new one) or erased (closed cases only; open ones are handed over first).
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    model_id: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # What a model's cadence may count from (flows.cadence.Anchors), as the coordinator records them.
    placed_on: Mapped[date | None] = mapped_column(Date)
    moved_out_on: Mapped[date | None] = mapped_column(Date)
    decision_on: Mapped[date | None] = mapped_column(Date)  # a coming decision: the talk with the child comes before it


class CaseCoordinator(Base):
    """Who coordinates a case: the lead (cases.coordinator_id) and any second
    coordinator, such as a family group conference's independent coordinator."""

    __tablename__ = "case_coordinators"
    __table_args__ = (UniqueConstraint("case_id", "person_id"), NO_REUSE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = NO_REUSE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    meeting_type: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    place: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Set when the coordinator opens preparation early; else the model's lead time applies.
    prep_opens_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # While it runs: who is here, the step, the speaker, paused, the family ready (flows.running).
    progress: Mapped[dict | None] = mapped_column(JSON)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set when the meeting is announced (/next): a random reference for the
    # reply buttons and the calendar file's UID, and the calendar revision
    # (SEQUENCE), raised each time it moves or is cancelled.
    ref: Mapped[str | None] = mapped_column(String(24), unique=True)
    calendar_sequence: Mapped[int] = mapped_column(Integer, default=0)
    announced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Participant(Base):
    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("case_id", "person_id"), NO_REUSE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # For a professional: the organisation they act for in this case (named in the plan).
    organisation: Mapped[str | None] = mapped_column(String(120))


class Preparation(Base):
    """One person's preparation for one meeting: how far they got, and how
    often they were reminded. No row: they have not been told it is open."""

    __tablename__ = "preparations"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"), NO_REUSE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="invited")  # invited | started | finished
    position: Mapped[int] = mapped_column(Integer, default=0)  # the question to resume at
    part: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # and its column, at a three-column question
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    invited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Answer(Base):
    """An answer to a preparation question. `content` is JSON, sealed
    (encrypted) when a key is configured; `visibility` is its author's choice."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id", "question_id"), NO_REUSE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # text | voice | choice | scale | columns | network_map | progress | skipped
    content: Mapped[str | None] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(16))  # meeting | coordinator | private
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Task(Base):
    """Something agreed at a meeting: what, by when, and how it stands.
    `what` is sealed like answers when a key is configured."""

    __tablename__ = "tasks"
    __table_args__ = NO_REUSE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"), index=True)
    # A random reference for buttons: the id is not known when a flow makes the task.
    ref: Mapped[str | None] = mapped_column(String(24), unique=True)
    what: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | done | cancelled
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class TaskOwner(Base):
    __tablename__ = "task_owners"
    __table_args__ = (UniqueConstraint("task_id", "person_id"), NO_REUSE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # this owner's part is done


class Invitation(Base):
    """Someone invited to an announced meeting, and their answer.
    `note` (what would suit better, why not) is sealed like answers."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"), NO_REUSE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    response: Mapped[str | None] = mapped_column(String(16))  # yes | no | other; none yet
    note: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Feedback(Base):
    """How a meeting felt to one family member: 0-10 per item (`scores`, JSON)
    and a free text (`comment`, sealed). Saved as it is given; the coordinator
    sees it once `submitted_at` is set."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"), NO_REUSE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    comment: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Broadcast(Base):
    """One message sent to many people (an announced, moved or cancelled
    meeting, a closed case). Its outbox rows carry `ref`; once they are
    settled the coordinator hears who could not be reached."""

    __tablename__ = "broadcasts"
    __table_args__ = NO_REUSE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(24), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # announce | move | cancel | close
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Job(Base):
    """Timed work (reminders): a worker asks for what is due and marks each
    job done in the same transaction as the messages it queues, so two
    processes never send the same reminder."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    step: Mapped[int | None] = mapped_column(Integer)  # for a step's timer: which step it times
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_jobs_due", "done_at", "due_at"),
        # One retention job in all, however many processes start at once.
        Index("ux_jobs_one_purge", "kind", unique=True,
              sqlite_where=text("kind = 'purge'"), postgresql_where=text("kind = 'purge'")),
        NO_REUSE,
    )


class Invite(Base):
    """A deep-link invite. Only a hash of the token is kept, so a database
    leak does not hand out working links."""

    __tablename__ = "invites"
    __table_args__ = NO_REUSE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # participant | coordinator
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    role: Mapped[str | None] = mapped_column(String(16))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Conversation(Base):
    """Where a chat is in a flow. Survives restarts; `version` makes old
    buttons recognisable as stale."""

    __tablename__ = "conversations"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    flow: Mapped[str | None] = mapped_column(String(32))
    step: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    language: Mapped[str | None] = mapped_column(String(8))  # before consent, the choice lives here
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class InboundUpdate(Base):
    """An update from Telegram, stored as it came before it is acknowledged
    (sealed, {"sealed": "fernet:…"}, when MEETBOT_ENCRYPTION_KEY is set). The
    payload is dropped once the row is finished, however it ended (`error`
    says why if not handled: "gave up", "unreadable: …"); only the id is
    kept, enough to refuse a repeat."""

    __tablename__ = "inbound_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("ix_inbound_unhandled", "handled_at", "update_id"),)


class OutboxMessage(Base):
    """A message waiting to be sent, or the trace of one that was."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(32))  # sendMessage, editMessageText, ...
    payload: Mapped[dict | None] = mapped_column(JSON)
    blob: Mapped[bytes | None] = mapped_column(LargeBinary)
    priority: Mapped[int] = mapped_column(Integer, default=1)  # 0 reply, 1 normal, 2 bulk
    status: Mapped[str] = mapped_column(String(16), default="pending")
    not_before: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claim: Mapped[str | None] = mapped_column(String(32))  # which sender holds it
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    broadcast_ref: Mapped[str | None] = mapped_column(String(24), index=True)  # part of a broadcast
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    # ix_outbox_chat: a chat's waiting messages, which every claim looks up per chat.
    # ix_outbox_chat_waiting: whether an earlier message of the chat waits after a
    # failure (not_before in the future), which a claim asks for every candidate row.
    __table_args__ = (Index("ix_outbox_due", "status", "priority", "not_before", "id"),
                      Index("ix_outbox_chat", "chat_id", "status", "priority", "id"),
                      Index("ix_outbox_chat_waiting", "chat_id", "status", "not_before"), NO_REUSE)


class PollState(Base):
    """The next getUpdates offset (one row)."""

    __tablename__ = "poll_state"
    __table_args__ = NO_REUSE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    next_offset: Mapped[int] = mapped_column(BigInteger, default=0)


class AuditEntry(Base):
    """Who did what to a case. Never answers or free text."""

    __tablename__ = "audit_log"
    __table_args__ = NO_REUSE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# ---- the plan (flows.plan) ---------------------------------------------------


class PlanVersion(Base):
    """One version of a case's plan, made when a meeting ends (or the
    coordinator changes it afterwards). `content` is JSON naming people by id
    only (goals, current situation, the three columns, overall responsibility,
    attendance, evaluation, next time), sealed like answers."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("case_id", "number"), NO_REUSE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    # A random reference for buttons and the PDF: the id is not known when a flow makes the version.
    ref: Mapped[str] = mapped_column(String(24), unique=True)
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PlanView(Base):
    """The child's or a guardian's view, in their own words: added to, never
    overwritten. `text` is sealed; erased with the person."""

    __tablename__ = "plan_views"
    __table_args__ = NO_REUSE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16), default="said")  # said (noted by the coordinator) | own (their preparation answer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PlanConsent(Base):
    """A guardian's answer on the organisations named in the case exchanging
    information for the plan: given, refused or withdrawn, naming the
    organisations (JSON), with its time. Rows are added, never changed: the
    latest counts, the earlier ones are the record."""

    __tablename__ = "plan_consents"
    __table_args__ = NO_REUSE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    organisations: Mapped[list] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(String(16))  # given | refused | withdrawn
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PlanAgreement(Base):
    """Someone's answer to one version of the plan: agree, not agree (with a
    sealed note), or read (those who are not asked to agree)."""

    __tablename__ = "plan_agreements"
    __table_args__ = (UniqueConstraint("plan_version_id", "person_id"), NO_REUSE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(16))  # agree | disagree | read
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# ---- people without Telegram (flows.offline) -----------------------------------


class OfflineMember(Base):
    """Someone taking part in a case without Telegram: a young child, a
    grandmother with no smartphone, a school's contact person. Added by the
    coordinator, who answers for them in the bot.

    A separate table, not a Person without Telegram ids (those columns are
    NOT NULL UNIQUE, and SQLite would need a table rebuild): the flows see
    them as attendees whose id is the negative of this row's id
    (flows.offline.attendee_id), so attendance, "next time" and the plan's
    JSON name them as they name everyone else, and an id can never be taken
    for a Person's. Their task ownership and paper agreement are rows of
    their own below; all of it goes with the case (or with them)."""

    __tablename__ = "offline_members"
    __table_args__ = NO_REUSE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    organisation: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class OfflineTaskOwner(Base):
    """Someone without Telegram answers for an action; the coordinator is reminded in their place."""

    __tablename__ = "offline_task_owners"
    __table_args__ = (UniqueConstraint("task_id", "member_id"), NO_REUSE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("offline_members.id", ondelete="CASCADE"), index=True)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OfflineAgreement(Base):
    """The answer of someone without Telegram to one version of the plan, as
    the coordinator records it: agreed on paper on `signed_on`, or did not
    agree (a sealed note). `at` is when it was recorded."""

    __tablename__ = "offline_agreements"
    __table_args__ = (UniqueConstraint("plan_version_id", "member_id"), NO_REUSE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("offline_members.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(16))  # agree | disagree
    signed_on: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the day on paper (its local noon)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)



class AgendaPoint(Base):
    """The coordinator's decision on a point someone proposed for a meeting's
    agenda (their answer to a question the model's `agenda_from` names):
    accepted, in the coordinator's wording or the proposer's own, or left
    out. `text` is sealed like answers; the row goes with the person and the
    meeting. Proposals without a row are still open."""

    __tablename__ = "agenda_points"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id", "question_id"), NO_REUSE)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # accepted | left_out
    text: Mapped[str | None] = mapped_column(Text)  # the accepted point, sealed
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

# The service side's tables (bot/ops/models.py), so the metadata knows them.
import bot.ops.models  # noqa: E402,F401


class Proposal(Base):
    """Someone the family (a guardian, or the child) proposes to invite, and
    how far the coordinator has come with them (flows.proposals). The name and
    the relation are what the family wrote about a third person: sealed like
    answers. The rows go with the case, and with the person who proposed them."""

    __tablename__ = "proposals"
    __table_args__ = NO_REUSE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    by_child: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(Text)
    relation: Mapped[str | None] = mapped_column(Text)
    # proposed | asked | agreed | declined | link_sent | joined ("prepared" is read from their preparation)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    family_told: Mapped[bool] = mapped_column(Boolean, default=False)
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("invites.id", ondelete="SET NULL"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
