"""Writing the domain changes a flow asked for, with an audit entry each."""

from __future__ import annotations

import json
from datetime import datetime
from functools import singledispatch

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    AgendaPoint,
    OfflineAgreement,
    OfflineMember,
    OfflineTaskOwner,
    Answer,
    AuditEntry,
    Broadcast,
    Case,
    CaseCoordinator,
    Conversation,
    Feedback,
    Invitation,
    Invite,
    Job,
    Meeting,
    Participant,
    Person,
    PlanAgreement,
    PlanConsent,
    PlanVersion,
    PlanView,
    Preparation,
    Proposal,
    Task,
    TaskOwner,
)
from bot.planner import Planner
from bot.storage.case_coordinators import add_coordinator, hand_over
from bot.storage.erasure import erase_people, scrub_references
from bot.storage.meeting_run import seal_progress
from bot.storage.plan import seal_content
from bot.storage.preparation import next_meeting, opens_at
from bot.storage.sealing import Sealer
from bot.storage.tokens import token_hash
from flows.outcome import (
    AddCaseCoordinator,
    HandOverCase,
    AddOfflineMember,
    AddProposal,
    SetProposalStatus,
    AddPlanView,
    AnnounceMeeting,
    AnswerInvitation,
    AnswerPlan,
    Audit,
    BecomeCoordinator,
    CancelMeeting,
    CloseCase,
    ConfirmPlanRead,
    CreateCase,
    CreateInvite,
    CreatePlanVersion,
    CreateTask,
    DecideAgendaPoint,
    ErasePerson,
    GiveConsent,
    JoinCase,
    MarkTaskDone,
    MoveMeeting,
    NotePrepReminder,
    OpenPreparation,
    RecordBroadcast,
    RecordCaseDate,
    RecordPaperAnswer,
    RemoveOfflineMember,
    RevokeInvite,
    SaveAnswer,
    SaveFeedback,
    SetAnswerVisibility,
    SetLanguage,
    SetOrganisation,
    SetPrepProgress,
    SetTaskStatus,
    SubmitFeedback,
    TaskResponse,
    UpdateMeeting,
)


class Actor:
    """Who caused the changes (the Telegram user, and their person row once
    there is one), and the services writing them needs."""

    def __init__(self, *, user_id: int, chat_id: int, telegram_language: str | None, person: Person | None, now: datetime,
                 sealer: Sealer | None = None, planner: Planner | None = None):
        self.user_id = user_id
        self.chat_id = chat_id
        self.telegram_language = telegram_language
        self.person = person
        self.now = now
        self.sealer = sealer or Sealer()
        self.planner = planner


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
    # Someone the family proposed, joining through their own link: the list says so, and the link is spent.
    proposal = await session.scalar(select(Proposal).where(Proposal.invite_id == change.invite_id,
                                                           Proposal.person_id.is_(None)))
    if proposal is not None:
        proposal.status, proposal.person_id, proposal.updated_at = "joined", actor.person.id, actor.now
        (await session.get(Invite, change.invite_id)).used_at = actor.now
    case = await session.get(Case, change.case_id)
    meeting = await next_meeting(session, case.id, actor.now)
    model = actor.planner.models.get(case.model_id) if actor.planner else None
    if meeting is not None and model is not None and meeting.status == "planned":
        meeting_type = model.meeting_type(meeting.meeting_type)
        if meeting_type.questions_for(change.role) and opens_at(meeting, meeting_type, case.timezone) <= actor.now < meeting.starts_at:
            actor.planner.announce_to(session, meeting.id, actor.person.id, actor.now)


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
    session.add(CaseCoordinator(case_id=case.id, person_id=actor.person.id, added_at=actor.now))
    meeting = Meeting(case_id=case.id, meeting_type=change.meeting_type, starts_at=change.starts_at,
                      place=change.place, created_at=actor.now, status="planned")
    session.add(meeting)
    await session.flush()
    if actor.planner:
        await actor.planner.plan_meeting(session, meeting, case, actor.now)
    audit(session, actor, "created_case", case.id, model=change.model_id)


@apply.register
async def _(change: CreateInvite, session, actor):
    invite = Invite(
        token_hash=token_hash(change.token),
        kind="participant",
        case_id=change.case_id,
        role=change.role,
        created_by=actor.person.id,
        created_at=actor.now,
        expires_at=change.expires_at,
    )
    session.add(invite)
    if change.proposal_id is None:
        audit(session, actor, "invited", change.case_id, role=change.role)
        return
    await session.flush()
    proposal = await session.get(Proposal, change.proposal_id)
    if proposal is None or proposal.case_id != change.case_id:
        return
    proposal.status, proposal.invite_id, proposal.updated_at = "link_sent", invite.id, actor.now
    audit(session, actor, "invited", change.case_id, role=change.role, proposal=proposal.id)


# ---- the family's proposals (flows.proposals) ---------------------------------


@apply.register
async def _(change: AddProposal, session, actor):
    proposal = Proposal(case_id=change.case_id, proposed_by=actor.person.id, by_child=change.by_child,
                        name=actor.sealer.seal(change.name), relation=actor.sealer.seal(change.relation),
                        status="proposed", family_told=False, created_at=actor.now, updated_at=actor.now)
    session.add(proposal)
    await session.flush()
    audit(session, actor, "proposed", change.case_id, proposal=proposal.id, by_child=change.by_child)


@apply.register
async def _(change: SetProposalStatus, session, actor):
    proposal = await session.get(Proposal, change.proposal_id)
    if proposal is None:
        return
    proposal.status, proposal.updated_at = change.status, actor.now
    proposal.family_told = proposal.family_told or change.family_told
    audit(session, actor, "proposal_told" if change.family_told else f"proposal_{change.status}", proposal.case_id,
          proposal=proposal.id)


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
    await erase_people(session, [person.id], keep_chat=actor.chat_id)
    session.expunge(person)
    # Their own conversation goes through the session, last: the engine holds
    # it too and deletes it in the same flush (a person-less chat keeps no position).
    conversation = await session.get(Conversation, actor.chat_id)
    if conversation is not None:
        await session.delete(conversation)
    if actor.planner:
        # The confirmation queued after this is the one row left that names
        # their chat: it is swept as soon as it has been sent.
        actor.planner.sweep_traces(session, actor.now)


async def _preparation(session, meeting_id: int, person_id: int, now) -> Preparation:
    prep = await session.scalar(select(Preparation).where(Preparation.meeting_id == meeting_id, Preparation.person_id == person_id))
    if prep is None:
        prep = Preparation(meeting_id=meeting_id, person_id=person_id, status="invited", position=0, reminders_sent=0)
        session.add(prep)
    return prep


async def _answer(session, meeting_id: int, person_id: int, question_id: str) -> Answer | None:
    return await session.scalar(select(Answer).where(
        Answer.meeting_id == meeting_id, Answer.person_id == person_id, Answer.question_id == question_id))


@apply.register
async def _(change: SaveAnswer, session, actor):
    row = await _answer(session, change.meeting_id, actor.person.id, change.question_id)
    if row is None:
        row = Answer(meeting_id=change.meeting_id, person_id=actor.person.id, question_id=change.question_id)
        session.add(row)
    row.kind = change.kind
    row.content = actor.sealer.seal(json.dumps(change.value, ensure_ascii=False)) if change.value else None
    row.visibility = change.visibility
    row.updated_at = actor.now
    prep = await _preparation(session, change.meeting_id, actor.person.id, actor.now)
    if prep.status == "invited":
        prep.status, prep.started_at = "started", actor.now


@apply.register
async def _(change: SetAnswerVisibility, session, actor):
    row = await _answer(session, change.meeting_id, actor.person.id, change.question_id)
    if row is not None:
        row.visibility = change.visibility
        row.updated_at = actor.now


@apply.register
async def _(change: SetPrepProgress, session, actor):
    prep = await _preparation(session, change.meeting_id, actor.person.id, actor.now)
    prep.position, prep.part = change.position, change.part
    if change.status == "finished":
        prep.status, prep.finished_at = "finished", actor.now
    elif prep.status != "finished":  # changing an answer afterwards keeps it finished
        prep.status = "started"
        prep.started_at = prep.started_at or actor.now


@apply.register
async def _(change: OpenPreparation, session, actor):
    meeting = await session.get(Meeting, change.meeting_id)
    case = await session.get(Case, meeting.case_id)
    meeting.prep_opens_at = actor.now
    if actor.planner:
        await actor.planner.plan_meeting(session, meeting, case, actor.now)
    audit(session, actor, "opened_preparation", case.id, meeting=meeting.id)


@apply.register
async def _(change: NotePrepReminder, session, actor):
    prep = await _preparation(session, change.meeting_id, change.person_id, actor.now)
    prep.reminders_sent = (prep.reminders_sent or 0) + 1


@apply.register
async def _(change: Audit, session, actor):
    audit(session, actor, change.action, change.case_id, **change.detail)


@apply.register
async def _(change: UpdateMeeting, session, actor):
    meeting = await session.get(Meeting, change.meeting_id)
    meeting.progress = seal_progress(change.progress, actor.sealer)
    if change.status == "running" and meeting.status != "running":
        meeting.status, meeting.started_at = "running", actor.now
        audit(session, actor, "started_meeting", meeting.case_id, meeting=meeting.id)
    elif change.status == "ended" and meeting.status != "ended":
        meeting.status, meeting.ended_at = "ended", actor.now
        audit(session, actor, "ended_meeting", meeting.case_id, meeting=meeting.id)
    if change.timed_step and actor.planner:
        step, minutes = change.timed_step
        await actor.planner.time_step(session, meeting.id, step, minutes, actor.now)


@apply.register
async def _(change: CreateTask, session, actor):
    meeting = await session.get(Meeting, change.meeting_id)
    case = await session.get(Case, meeting.case_id)
    task = Task(case_id=case.id, meeting_id=meeting.id, ref=change.ref, what=actor.sealer.seal(change.what),
                due_at=change.due_at, status="open", created_at=actor.now)
    session.add(task)
    await session.flush()
    # Negative ids are people without Telegram (flows.offline): their ownership is a row of its own.
    session.add_all(TaskOwner(task_id=task.id, person_id=pid) for pid in change.owner_ids if pid > 0)
    session.add_all(OfflineTaskOwner(task_id=task.id, member_id=-pid) for pid in change.owner_ids if pid < 0)
    if actor.planner and task.due_at:
        actor.planner.plan_task(session, task, case.timezone, actor.now)
    audit(session, actor, "added_task", case.id, meeting=meeting.id, owners=len(change.owner_ids))


@apply.register
async def _(change: TaskResponse, session, actor):
    task = await session.scalar(select(Task).where(Task.ref == change.ref))
    owner = await session.scalar(select(TaskOwner).where(TaskOwner.task_id == task.id, TaskOwner.person_id == actor.person.id))
    action = change.action
    if action == "accept":
        owner.accepted_at = owner.accepted_at or actor.now
    elif action == "done":
        # Each owner answers for their own part; the task is done when every part is.
        owner.done_at = owner.done_at or actor.now
        await session.flush()
        still_open = await session.scalar(select(TaskOwner.id).where(TaskOwner.task_id == task.id, TaskOwner.done_at.is_(None)).limit(1))
        if still_open is None:
            task.status, task.done_at = "done", actor.now
        else:
            action = "part_done"
    audit(session, actor, f"task_{action}", task.case_id)


@apply.register
async def _(change: MarkTaskDone, session, actor):
    task = await session.scalar(select(Task).where(Task.ref == change.ref))
    if task.status != "done":
        task.status, task.done_at = "done", actor.now
    audit(session, actor, "task_marked_done", task.case_id)


@apply.register
async def _(change: ConfirmPlanRead, session, actor):
    meeting = await session.get(Meeting, change.meeting_id)
    progress = dict(meeting.progress or {})
    progress["read"] = sorted(set(progress.get("read", [])) | {actor.person.id})
    meeting.progress = progress  # a new dict, so the JSON column is written
    audit(session, actor, "read_plan", meeting.case_id, meeting=meeting.id)


@apply.register
async def _(change: CloseCase, session, actor):
    case = await session.get(Case, change.case_id)
    case.status, case.closed_at = "closed", actor.now
    meetings = select(Meeting.id).where(Meeting.case_id == case.id)
    tasks = select(Task.id).where(Task.case_id == case.id)
    # Nothing more is sent about a closed case: its reminders go.
    await session.execute(delete(Job).where(Job.done_at.is_(None), (Job.meeting_id.in_(meetings)) | (Job.task_id.in_(tasks))))
    await session.execute(update(Invite).where(Invite.case_id == case.id, Invite.revoked_at.is_(None)).values(revoked_at=actor.now))
    # Meetings still planned will not take place (an announced one was cancelled just before, with its calendar file).
    await session.execute(update(Meeting).where(Meeting.case_id == case.id, Meeting.status == "planned").values(status="cancelled"))
    audit(session, actor, "closed_case", case.id)


# ---- feedback ---------------------------------------------------------------------


async def _feedback(session, meeting_id: int, person_id: int) -> Feedback:
    row = await session.scalar(select(Feedback).where(Feedback.meeting_id == meeting_id, Feedback.person_id == person_id))
    if row is None:
        row = Feedback(meeting_id=meeting_id, person_id=person_id, scores={})
        session.add(row)
    return row


@apply.register
async def _(change: SaveFeedback, session, actor):
    row = await _feedback(session, change.meeting_id, actor.person.id)
    if change.item is not None:
        row.scores = {**(row.scores or {}), change.item: change.score}  # a new dict, so the JSON column is written
    if change.comment is not None:
        row.comment = actor.sealer.seal(change.comment)
    row.updated_at = actor.now


@apply.register
async def _(change: SubmitFeedback, session, actor):
    row = await _feedback(session, change.meeting_id, actor.person.id)
    row.submitted_at = row.updated_at = actor.now
    meeting = await session.get(Meeting, change.meeting_id)
    audit(session, actor, "gave_feedback", meeting.case_id, meeting=meeting.id)


# ---- announcing the next meeting --------------------------------------------------


async def _replan(session, actor: Actor, meeting: Meeting) -> None:
    """Preparation and the meeting's reminders follow its (new) time."""
    if actor.planner:
        case = await session.get(Case, meeting.case_id)
        await actor.planner.plan_meeting(session, meeting, case, actor.now)
        await actor.planner.plan_meeting_reminders(session, meeting, case, actor.now)


@apply.register
async def _(change: AnnounceMeeting, session, actor):
    meeting = await session.get(Meeting, change.meeting_id) if change.meeting_id else None
    if meeting is None:
        meeting = Meeting(case_id=change.case_id, meeting_type=change.meeting_type, status="planned", created_at=actor.now)
        session.add(meeting)
    meeting.starts_at, meeting.place = change.starts_at, change.place
    meeting.ref, meeting.calendar_sequence, meeting.announced_at = change.ref, 0, actor.now
    await session.flush()
    taking_part = set(await session.scalars(select(Participant.person_id).where(Participant.case_id == change.case_id)))
    session.add_all(Invitation(meeting_id=meeting.id, person_id=pid) for pid in change.invited if pid in taking_part)
    await session.flush()
    await _replan(session, actor, meeting)
    audit(session, actor, "announced_meeting", change.case_id, meeting=meeting.id, invited=len(change.invited))


@apply.register
async def _(change: MoveMeeting, session, actor):
    meeting = await session.get(Meeting, change.meeting_id)
    if meeting.starts_at != change.starts_at:
        # Answers were given for the old time: everyone is asked again.
        await session.execute(update(Invitation).where(Invitation.meeting_id == meeting.id)
                              .values(response=None, note=None, responded_at=None))
    meeting.starts_at, meeting.place = change.starts_at, change.place
    meeting.calendar_sequence = (meeting.calendar_sequence or 0) + 1
    await _replan(session, actor, meeting)
    audit(session, actor, "moved_meeting", meeting.case_id, meeting=meeting.id)


@apply.register
async def _(change: CancelMeeting, session, actor):
    meeting = await session.get(Meeting, change.meeting_id)
    meeting.status = "cancelled"
    meeting.calendar_sequence = (meeting.calendar_sequence or 0) + 1
    await session.execute(delete(Job).where(Job.meeting_id == meeting.id, Job.done_at.is_(None)))
    audit(session, actor, "cancelled_meeting", meeting.case_id, meeting=meeting.id)


@apply.register
async def _(change: DecideAgendaPoint, session, actor):
    if change.status not in ("accepted", "left_out"):
        raise ValueError(f"no such decision on an agenda point: {change.status}")
    meeting = await session.get(Meeting, change.meeting_id)
    case = await session.get(Case, meeting.case_id) if meeting else None
    if case is None or actor.person is None or case.coordinator_id != actor.person.id:
        raise PermissionError("only the case's coordinator decides its agenda")
    row = await session.scalar(select(AgendaPoint).where(
        AgendaPoint.meeting_id == change.meeting_id, AgendaPoint.person_id == change.person_id,
        AgendaPoint.question_id == change.question_id))
    if row is None:
        row = AgendaPoint(meeting_id=change.meeting_id, person_id=change.person_id, question_id=change.question_id)
        session.add(row)
    row.status = change.status
    row.text = actor.sealer.seal(change.text) if change.status == "accepted" and change.text else None
    row.decided_at = actor.now
    audit(session, actor, "decided_agenda_point", case.id, meeting=meeting.id, status=change.status)


@apply.register
async def _(change: RecordCaseDate, session, actor):
    if change.which not in ("placed_on", "moved_out_on", "decision_on"):
        raise ValueError(f"no such date of a case: {change.which}")
    case = await session.get(Case, change.case_id)
    setattr(case, change.which, change.day)
    audit(session, actor, "recorded_case_date", change.case_id, which=change.which, day=change.day.isoformat())


@apply.register
async def _(change: AnswerInvitation, session, actor):
    invitation = await session.scalar(select(Invitation).where(
        Invitation.meeting_id == change.meeting_id, Invitation.person_id == actor.person.id))
    invitation.response = change.response
    invitation.note = actor.sealer.seal(change.note) if change.note else None
    invitation.responded_at = actor.now
    meeting = await session.get(Meeting, change.meeting_id)
    audit(session, actor, "answered_invitation", meeting.case_id, meeting=meeting.id, response=change.response)


@apply.register
async def _(change: RecordBroadcast, session, actor):
    broadcast = Broadcast(ref=change.ref, case_id=change.case_id, kind=change.kind, recipients=change.recipients,
                          created_at=actor.now)
    session.add(broadcast)
    await session.flush()
    if actor.planner:
        actor.planner.check_broadcast(session, broadcast, actor.now)


# ---- the plan ---------------------------------------------------------------------


@apply.register
async def _(change: AddPlanView, session, actor):
    meeting = await session.get(Meeting, change.meeting_id)
    session.add(PlanView(case_id=meeting.case_id, meeting_id=meeting.id, person_id=change.person_id, source=change.source,
                         text=actor.sealer.seal(change.text), created_at=actor.now))
    audit(session, actor, "noted_view", meeting.case_id, meeting=meeting.id, source=change.source)


@apply.register
async def _(change: SetOrganisation, session, actor):
    participant = await session.scalar(select(Participant).where(
        Participant.case_id == change.case_id, Participant.person_id == change.person_id))
    if participant is not None:
        participant.organisation = change.organisation
        audit(session, actor, "set_organisation", change.case_id)


@apply.register
async def _(change: CreatePlanVersion, session, actor):
    latest = await session.scalar(select(PlanVersion.number).where(PlanVersion.case_id == change.case_id)
                                  .order_by(PlanVersion.number.desc()).limit(1))
    number = (latest or 0) + 1
    session.add(PlanVersion(case_id=change.case_id, meeting_id=change.meeting_id, number=number, ref=change.ref,
                            content=seal_content(change.content, actor.sealer), created_at=actor.now))
    await session.flush()
    audit(session, actor, "made_plan", change.case_id, meeting=change.meeting_id, version=number)


@apply.register
async def _(change: AnswerPlan, session, actor):
    version = await session.scalar(select(PlanVersion).where(PlanVersion.ref == change.ref))
    row = await session.scalar(select(PlanAgreement).where(
        PlanAgreement.plan_version_id == version.id, PlanAgreement.person_id == actor.person.id))
    if row is None:
        row = PlanAgreement(plan_version_id=version.id, person_id=actor.person.id)
        session.add(row)
    row.answer, row.at = change.answer, actor.now
    row.note = actor.sealer.seal(change.note) if change.note else None
    audit(session, actor, f"plan_{change.answer}", version.case_id, version=version.number)


@apply.register
async def _(change: GiveConsent, session, actor):
    session.add(PlanConsent(case_id=change.case_id, person_id=actor.person.id, organisations=list(change.organisations),
                            answer=change.answer, at=actor.now))
    audit(session, actor, f"consent_{change.answer}", change.case_id, organisations=len(change.organisations))


@apply.register
async def _(change: SetTaskStatus, session, actor):
    task = await session.scalar(select(Task).where(Task.ref == change.ref))
    if task is None or task.status != "open":
        return
    task.status = change.status
    if change.status == "done":
        task.done_at = actor.now
    # A settled action is reminded of no more.
    await session.execute(delete(Job).where(Job.task_id == task.id, Job.done_at.is_(None)))
    audit(session, actor, f"task_{change.status}_by_coordinator", task.case_id)


# ---- people without Telegram (flows.offline) ----------------------------------


@apply.register
async def _(change: AddOfflineMember, session, actor):
    member = OfflineMember(case_id=change.case_id, name=change.name, role=change.role,
                           organisation=change.organisation, created_at=actor.now)
    session.add(member)
    await session.flush()
    audit(session, actor, "added_offline", change.case_id, member=member.id, role=change.role)


@apply.register
async def _(change: RemoveOfflineMember, session, actor):
    member = await session.get(OfflineMember, change.member_id)
    if member is None or member.case_id != change.case_id:
        return
    # Their id in meetings' attendance and in unfinished choices goes with them; their
    # actions and paper answers go by cascade.
    await scrub_references(session, {-member.id})
    await session.delete(member)
    audit(session, actor, "removed_offline", change.case_id, member=change.member_id)


@apply.register
async def _(change: RecordPaperAnswer, session, actor):
    version = await session.scalar(select(PlanVersion).where(PlanVersion.ref == change.ref))
    member = await session.get(OfflineMember, change.member_id)
    if version is None or member is None or member.case_id != version.case_id:
        return
    row = await session.scalar(select(OfflineAgreement).where(
        OfflineAgreement.plan_version_id == version.id, OfflineAgreement.member_id == member.id))
    if row is None:
        row = OfflineAgreement(plan_version_id=version.id, member_id=member.id)
        session.add(row)
    row.answer, row.signed_on, row.at = change.answer, change.signed_on, actor.now
    row.note = actor.sealer.seal(change.note) if change.note else None
    audit(session, actor, f"plan_paper_{change.answer}", version.case_id, version=version.number, member=member.id)


@apply.register
async def _(change: HandOverCase, session, actor):
    case = await session.get(Case, change.case_id)
    await hand_over(session, case, actor.person.id, change.to_id, actor.now)
    audit(session, actor, "handed_over", case.id, person=change.to_id)


@apply.register
async def _(change: AddCaseCoordinator, session, actor):
    case = await session.get(Case, change.case_id)
    if await add_coordinator(session, case, change.person_id, actor.now):
        audit(session, actor, "added_coordinator", case.id, person=change.person_id)
