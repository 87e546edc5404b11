"""The worker for timed jobs (preparation opening, reminders, broadcast
reports, retention once a day, the last trace of someone who erased themselves).

It asks the database for what is due, and takes each job by marking it done
with a conditional UPDATE in the same transaction as the messages it queues:
if two processes see the same job, only one UPDATE matches, so nobody is
reminded twice, and a crash before the commit leaves the job for the next look.
Task reminders, which come in the thousands when many fall on one morning,
are taken a hundred at a time in one transaction; on PostgreSQL each process
skips the jobs another has locked, so two processes share the work instead
of trying the same jobs.
A job that comes due in the night (the bot was down, say) waits for the morning."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import (
    Answer,
    Broadcast,
    Case,
    Job,
    Meeting,
    OutboxMessage,
    Participant,
    Person,
    Preparation,
    Task,
)
from bot.db.engine import flush_erased
from bot.delivery.render import outbox_rows
from bot.i18n import resolve_locale
from bot.planner import (
    Alarm,
    BROADCAST_REPORT,
    FORGET_TRACES,
    MEETING_REMIND,
    PURGE,
    PURGE_EVERY,
    TRACES_SWEEP,
    PREP_OPEN,
    PREP_REMIND,
    STEP_NEAR_END,
    STEP_PAST_END,
    TASK_DUE,
    TASK_OVERDUE,
    TASK_REMIND,
)
from bot.purge import purge_in
from bot.storage.case_coordinators import case_coordinators, coordinators_of
from bot.storage.announcing import case_view, invited_ids, invitees, meeting_view
from bot.storage.preparation import opens_at, previous_meeting, previous_plan
from bot.storage.sealing import Sealer
from bot.storage.tasks import task_views
from flows import delivery_report, goal_progress, invitations, preparing, running, tasks
from flows.context import PrepView
from flows.offline import member_id
from flows.timing import Timing, polite_time

log = logging.getLogger(__name__)
BATCH = 20
TASK_BATCH = 100  # task reminders taken in one transaction
TASK_JOBS = (TASK_REMIND, TASK_DUE, TASK_OVERDUE)
UNDELIVERED = ("blocked", "undeliverable", "failed")
# Shortest sleep when a job is due but not yet ours to take (another process
# holds it, uncommitted): no busy loop while it finishes.
MIN_SLEEP = 0.25
REPORT_RECHECK = timedelta(seconds=10)  # a broadcast still being sent is looked at again after this
REPORT_PATIENCE = timedelta(hours=1)  # after this, what is still unsent is reported as "on its way"


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _invited(meeting_id: int, person_id: int, now: datetime) -> Preparation:
    return Preparation(meeting_id=meeting_id, person_id=person_id, status="invited", position=0, reminders_sent=0, invited_at=now)


class Scheduler:
    def __init__(self, sessionmaker: async_sessionmaker, *, models, timing: Timing, default_locale: str,
                 interval: float, alarm: Alarm | None = None, wake_sender: Callable[[], None] = lambda: None, clock: Callable[[], datetime] = _utcnow,
                 sealer: Sealer | None = None, retention_days: int = 365):
        self.sessionmaker = sessionmaker
        self.models = models
        self.timing = timing
        self.default_locale = default_locale
        self.interval = interval  # the longest sleep: jobs planned by other processes are found within it
        self.wake_sender = wake_sender
        self.clock = clock
        self.sealer = sealer or Sealer()  # task texts are sealed like answers
        self.retention_days = retention_days
        self._wake = asyncio.Event()
        self._sleeping_until: datetime | None = None  # None: awake
        if alarm is not None:
            alarm.subscribe(self.planned)
        self._erased = False  # a job erased something: the file must not keep it (bot.db.engine.flush_erased)

    def wake(self) -> None:
        self._wake.set()

    def planned(self, due_at: datetime) -> None:
        """A job was just planned (and committed) in this process: wake up if
        it is due before the time this worker means to sleep until."""
        if self._sleeping_until is None or due_at < self._sleeping_until:
            self._wake.set()

    async def run(self, stopping: asyncio.Event) -> None:
        """Run what is due, then sleep until the next job is due, at most
        `interval` seconds; a job planned sooner in this process wakes it
        (`planned`), one planned by another process is found by the cap."""
        while not stopping.is_set():
            self._wake.clear()
            self._sleeping_until = None  # awake: whatever is planned now is seen by the next look
            if await self.run_due():
                continue
            delay = self.interval
            next_due = await self.next_due()
            if next_due is not None:
                delay = min(delay, max((next_due - self.clock()).total_seconds(), MIN_SLEEP))
            self._sleeping_until = self.clock() + timedelta(seconds=delay)
            if next_due is not None and next_due < self._sleeping_until:
                self._sleeping_until = next_due
            try:
                await asyncio.wait_for(self._wake.wait(), delay)
            except asyncio.TimeoutError:
                pass

    async def next_due(self) -> datetime | None:
        """When the earliest job not yet done is due (None: there is none)."""
        async with self.sessionmaker() as session:
            return await session.scalar(select(func.min(Job.due_at)).where(Job.done_at.is_(None)))

    async def run_due(self) -> int:
        """Runs the jobs due now; returns how many it ran."""
        now = self.clock()
        ran = await self._remind_of_tasks(now)
        async with self.sessionmaker() as session:
            due = list(await session.scalars(
                select(Job.id).where(Job.done_at.is_(None), Job.due_at <= now, Job.kind.not_in(TASK_JOBS))
                .order_by(Job.due_at, Job.id).limit(BATCH)))
        for job_id in due:
            async with self.sessionmaker() as session, session.begin():
                # Still due: a job that planned itself again (the morning,
                # tomorrow's purge) while another process waited for it is not
                # taken a second time.
                taken = await session.execute(
                    update(Job).where(Job.id == job_id, Job.done_at.is_(None), Job.due_at <= now).values(done_at=now))
                if taken.rowcount != 1:
                    continue  # another process has it
                job = await session.get(Job, job_id)
                sent = await self._run(session, job, now)
                ran += 1
                log.debug("job %s (%s): %d message(s)", job_id, job.kind, sent)
            if sent:
                self.wake_sender()
            if self._erased:
                self._erased = False
                await flush_erased(self.sessionmaker)
        return ran

    async def _remind_of_tasks(self, now: datetime) -> int:
        """Up to TASK_BATCH due task reminders in one transaction: taken by one
        UPDATE (on PostgreSQL skipping the jobs another process has locked),
        their tasks, cases, owners and coordinators read together, their
        messages queued. Returns how many jobs it took."""
        async with self.sessionmaker() as session, session.begin():
            due = (select(Job.id).where(Job.kind.in_(TASK_JOBS), Job.done_at.is_(None), Job.due_at <= now)
                   .order_by(Job.due_at, Job.id).limit(TASK_BATCH).with_for_update(skip_locked=True))
            jobs = sorted(await session.scalars(
                update(Job).where(Job.id.in_(due.scalar_subquery()), Job.done_at.is_(None)).values(done_at=now)
                .returning(Job), execution_options={"synchronize_session": False}), key=lambda j: (j.due_at, j.id))
            if not jobs:
                return 0
            task_ids = {job.task_id for job in jobs if job.task_id}
            found = {t.id: t for t in await session.scalars(select(Task).where(Task.id.in_(task_ids)))} if task_ids else {}
            case_ids = {task.case_id for task in found.values()}
            cases = {c.id: c for c in await session.scalars(select(Case).where(Case.id.in_(case_ids)))} if case_ids else {}
            reminding = []
            for job in jobs:
                task = found.get(job.task_id)
                case = cases.get(task.case_id) if task else None
                if task is None or task.status != "open" or case is None or case.status != "open":
                    continue
                polite = polite_time(now, case.timezone, self.timing.quiet_hours)
                if polite > now:
                    job.done_at, job.due_at = None, polite  # the night: in the morning instead
                    continue
                reminding.append((job, task))
            sent = await self._queue_task_reminders(session, reminding, now)
        if sent:
            self.wake_sender()
        return len(jobs)

    async def _queue_task_reminders(self, session, reminding: list[tuple[Job, Task]], now: datetime) -> int:
        """The owners whose part is not done are reminded; for those without
        Telegram, the coordinators in their place (one message naming them
        all); an overdue task is told to every coordinator of its case."""
        if not reminding:
            return 0
        unique = list({task.id: task for _job, task in reminding}.values())
        views = dict(zip((t.id for t in unique), await task_views(session, unique, self.sealer)))
        # Whose part is open, from the views; their rows for the language each is written in.
        open_ids = {owner for view in views.values() for owner, _name in view.not_done() if member_id(owner) is None}
        people = {p.id: p for p in await session.scalars(select(Person).where(Person.id.in_(open_ids)))} if open_ids else {}
        owners = {task_id: [people[owner] for owner, _name in view.not_done() if owner in people]
                  for task_id, view in views.items()}
        offline = {task_id: [name for owner, name in view.not_done() if member_id(owner) is not None]
                   for task_id, view in views.items()}
        told = {task.case_id for job, task in reminding if job.kind == TASK_OVERDUE or offline[task.id]}
        coordinators = await coordinators_of(session, told)
        sent = 0
        for job, task in reminding:
            view = views[task.id]
            if job.kind == TASK_OVERDUE:
                for coordinator in coordinators[task.case_id]:
                    self._enqueue(session, tasks.overdue_notice(view, coordinator.chat_id), coordinator, now)
                    sent += 1
                continue
            for owner in owners[task.id]:
                self._enqueue(session, tasks.reminder(view, owner.chat_id, today=job.kind == TASK_DUE), owner, now)
                sent += 1
            if offline[task.id]:
                for coordinator in coordinators[task.case_id]:
                    message = tasks.reminder_for_offline(view, offline[task.id], coordinator.chat_id,
                                                         today=job.kind == TASK_DUE)
                    self._enqueue(session, message, coordinator, now)
                    sent += 1
        return sent

    async def _run(self, session, job: Job, now: datetime) -> int:
        if job.kind == BROADCAST_REPORT:
            return await self._broadcast_report(session, job, now)
        if job.kind == PURGE:
            return await self._purge(session, job, now)
        if job.kind == FORGET_TRACES:
            return await self._forget_traces(session, job, now)
        meeting = await session.get(Meeting, job.meeting_id) if job.meeting_id else None
        case = await session.get(Case, meeting.case_id) if meeting else None
        model = self.models.get(case.model_id) if case else None
        if job.kind in (STEP_NEAR_END, STEP_PAST_END):
            return await self._step_timer(session, job, meeting, case, model, now)
        if job.kind == MEETING_REMIND:
            return await self._meeting_reminder(session, job, meeting, case, model, now)
        if meeting is None or model is None or case.status != "open" or meeting.status != "planned" or now >= meeting.starts_at:
            return 0
        polite = polite_time(now, case.timezone, self.timing.quiet_hours, before=meeting.starts_at)
        if polite is None:
            return 0  # too late to be polite; the meeting is near
        if polite > now:
            job.done_at, job.due_at = None, polite  # the night: try again in the morning
            return 0
        meeting_type = model.meeting_type(meeting.meeting_type)
        previous = await previous_meeting(session, meeting)
        follow_up = previous is not None
        goals, actions = await previous_plan(session, meeting, previous, self.sealer)
        rows = (await session.execute(
            select(Participant, Person).join(Person, Person.id == Participant.person_id)
            .where(Participant.case_id == case.id, *([Person.id == job.person_id] if job.person_id else []))
        )).all()
        invited = await invited_ids(session, meeting.id)  # an announced meeting: only those invited prepare
        sent = 0
        for participant, person in rows:
            asked = (*goal_progress.questions_for(meeting_type, participant.role, person.id, goals, actions),
                     *meeting_type.questions_for(participant.role, follow_up))
            if not asked or (invited is not None and person.id not in invited):
                continue
            prep = await session.scalar(select(Preparation).where(Preparation.meeting_id == meeting.id, Preparation.person_id == person.id))
            view = PrepView(meeting.id, case.id, case.pseudonym, case.model_id, meeting.meeting_type, meeting.starts_at,
                            opens_at(meeting, meeting_type, case.timezone), case.timezone, meeting.status, participant.role, follow_up,
                            prep.status if prep else "new")
            if job.kind == PREP_OPEN:
                if prep is not None:
                    continue  # already told (or already preparing)
                session.add(_invited(meeting.id, person.id, now))
                message = preparing.open_notice(view, len(asked), person.chat_id)
            elif job.kind == PREP_REMIND:
                if prep is not None and prep.status == "finished":
                    continue
                if prep is None:
                    prep = _invited(meeting.id, person.id, now)
                    session.add(prep)
                if (prep.reminders_sent or 0) >= meeting_type.max_reminders:
                    continue
                prep.reminders_sent = (prep.reminders_sent or 0) + 1
                ids = {q.id for q in asked}
                mine = await session.scalars(select(Answer).where(Answer.meeting_id == meeting.id, Answer.person_id == person.id))
                count = sum(1 for a in mine if a.question_id in ids and a.kind != "skipped")
                message = preparing.reminder_notice(view, count, len(asked), person.chat_id)
            else:
                log.error("unknown job kind %s", job.kind)
                return sent
            self._enqueue(session, message, person, now)
            sent += 1
        return sent

    def _enqueue(self, session, message, person: Person, now: datetime) -> None:
        language = resolve_locale(person.language, person.telegram_language, self.default_locale)
        for row in outbox_rows(message, person.chat_id, language, 0, now, sealer=self.sealer):
            session.add(row)

    async def _meeting_reminder(self, session, job: Job, meeting, case, model, now: datetime) -> int:
        """Those invited to an announced meeting, except who said they cannot
        come, are reminded of it; never at night."""
        if meeting is None or model is None or case.status != "open" or meeting.status != "planned" or now >= meeting.starts_at:
            return 0
        polite = polite_time(now, case.timezone, self.timing.quiet_hours, before=meeting.starts_at)
        if polite is None:
            return 0  # the night runs into the meeting: no reminder rather than a late one
        if polite > now:
            job.done_at, job.due_at = None, polite
            return 0
        coming = [p for p in await invitees(session, meeting, self.sealer) if p.response != "no"]
        rows = {p.id: p for p in await session.scalars(select(Person).where(Person.id.in_([p.person_id for p in coming])))}
        for person in coming:
            message = invitations.reminder(self.models, case_view(case), meeting_view(meeting), person)
            self._enqueue(session, message, rows[person.person_id], now)
        return len(coming)

    async def _broadcast_report(self, session, job: Job, now: datetime) -> int:
        """Once a broadcast's messages are settled, tell the coordinator who
        could not be reached (nothing, if everyone was)."""
        broadcast = await session.get(Broadcast, job.broadcast_id) if job.broadcast_id else None
        if broadcast is None or broadcast.reported_at is not None:
            return 0
        rows = (await session.execute(
            select(OutboxMessage.chat_id, OutboxMessage.status).where(OutboxMessage.broadcast_ref == broadcast.ref))).all()
        pending = {chat for chat, status in rows if status == "pending"}
        if pending and now - broadcast.created_at < REPORT_PATIENCE:
            job.done_at, job.due_at = None, now + REPORT_RECHECK  # still being sent: look again soon
            return 0
        broadcast.reported_at = now
        unreached = {chat for chat, status in rows if status in UNDELIVERED}
        pending -= unreached
        case = await session.get(Case, broadcast.case_id)
        coordinators = await case_coordinators(session, case) if case else []
        if not (unreached or pending) or not coordinators:
            return 0
        names = dict((await session.execute(
            select(Person.chat_id, Person.name).where(Person.chat_id.in_(unreached | pending)))).all())
        for coordinator in coordinators:
            message = delivery_report.report(broadcast.kind, case.pseudonym,
                                             sorted(names.get(c, "?") for c in unreached), sorted(names.get(c, "?") for c in pending),
                                             coordinator.chat_id)
            self._enqueue(session, message, coordinator, now)
        return len(coordinators)

    async def _step_timer(self, session, job: Job, meeting, case, model, now: datetime) -> int:
        """Tells the coordinator a step nears or passes its planned end, if the
        meeting is still at that step and not paused. The meeting is on now:
        quiet hours do not apply."""
        progress = (meeting.progress or {}) if meeting else {}
        if model is None or meeting.status != "running" or progress.get("step") != job.step or progress.get("paused"):
            return 0
        # Only the lead: the one running the meeting on screen (a second coordinator sits beside them).
        coordinator = await session.get(Person, case.coordinator_id) if case.coordinator_id else None
        if coordinator is None or not coordinator.is_coordinator:
            return 0
        step = model.meeting_type(meeting.meeting_type).steps[job.step]
        self._enqueue(session, running.timer_notice(step, job.kind == STEP_NEAR_END, coordinator.chat_id), coordinator, now)
        return 1

    async def _purge(self, session, job: Job, now: datetime) -> int:
        """Retention, once a day: no cron line needed. The job plans itself
        again for tomorrow in the same transaction."""
        erased = await purge_in(session, self.retention_days, now)
        job.done_at, job.due_at = None, now + PURGE_EVERY
        if any(erased.values()):
            self._erased = True
            log.info("retention (%d days) erased: %s", self.retention_days,
                     ", ".join(f"{count} {what}" for what, count in erased.items() if count))
        return 0

    async def _forget_traces(self, session, job: Job, now: datetime) -> int:
        """Someone erased themselves: the confirmation (and its button
        clean-up) was the last message to their chat. Once it has gone, its
        row goes too, with any other finished row to a chat that belongs to
        nobody; while one is still waiting, look again soon."""
        nobody = OutboxMessage.chat_id.not_in(select(Person.chat_id))
        result = await session.execute(delete(OutboxMessage).where(nobody, OutboxMessage.status != "pending")
                                       .execution_options(synchronize_session=False))
        if result.rowcount:
            self._erased = True
        waiting = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                       .where(nobody, OutboxMessage.status == "pending"))
        if waiting:
            job.done_at, job.due_at = None, now + TRACES_SWEEP
        return 0
