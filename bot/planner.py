"""Turning a meeting's time into job rows: when preparation opens and when
those who have not finished are reminded, when those invited to an announced
meeting are reminded of it, and when a broadcast's delivery is checked.
Re-planning replaces the jobs not yet done, so a moved meeting (or
preparation opened early) is simply planned again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import delete, event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Broadcast, Case, Job, Meeting, Task
from bot.storage.preparation import opens_at
from flows.timing import Timing, local_before, polite_time, reminder_times

PREP_OPEN = "prep_open"
PREP_REMIND = "prep_remind"
TASK_REMIND = "task_remind"
TASK_DUE = "task_due"
TASK_OVERDUE = "task_overdue"
STEP_NEAR_END = "step_near_end"
STEP_PAST_END = "step_past_end"
MEETING_REMIND = "meeting_remind"
BROADCAST_REPORT = "broadcast_report"
PURGE = "purge"  # retention, once a day: one row in all (a unique index), which reschedules itself
FORGET_TRACES = "forget_traces"  # after someone erased themselves: the trace of the last message to them
# A broadcast's delivery is first checked this soon, then again until every message is settled.
BROADCAST_CHECK = timedelta(seconds=3)
NEAR_END = timedelta(minutes=2)  # how long before a step's planned end the coordinator hears of it
PURGE_EVERY = timedelta(days=1)
# The confirmation that someone is erased goes out through the outbox like any
# message; its row (and that of its button clean-up) is swept this soon after,
# and again until it is sent.
TRACES_SWEEP = timedelta(seconds=2)


class Alarm:
    """Tells the scheduler, once the transaction that planned a job has
    committed, when the earliest job it planned is due: a scheduler asleep
    until a later job (or its cap) wakes up for it. Jobs planned by another
    process are found when the cap runs out."""

    _KEY = "meetbot.earliest_job"

    def __init__(self) -> None:
        self._listeners: list[Callable[[datetime], None]] = []

    def subscribe(self, listener: Callable[[datetime], None]) -> None:
        self._listeners.append(listener)

    def planned(self, session: AsyncSession, due_at: datetime) -> None:
        sync_session = getattr(session, "sync_session", session)
        info = sync_session.info
        earliest = info.get(self._KEY)
        if earliest is None:
            # After the commit only: a scheduler woken before it would not see the job yet.
            event.listen(sync_session, "after_commit", self._committed, once=True)
            event.listen(sync_session, "after_rollback", self._forget, once=True)
        if earliest is None or due_at < earliest:
            info[self._KEY] = due_at

    def _committed(self, sync_session) -> None:
        due_at = sync_session.info.pop(self._KEY, None)
        if due_at is not None:
            for listener in self._listeners:
                listener(due_at)

    def _forget(self, sync_session) -> None:
        sync_session.info.pop(self._KEY, None)


@dataclass(frozen=True)
class Planner:
    models: object
    timing: Timing
    alarm: Alarm = field(default_factory=Alarm)

    def _add(self, session: AsyncSession, job: Job) -> None:
        session.add(job)
        self.alarm.planned(session, job.due_at)

    async def plan_meeting(self, session: AsyncSession, meeting: Meeting, case: Case, now: datetime) -> None:
        await session.execute(delete(Job).where(Job.meeting_id == meeting.id, Job.done_at.is_(None),
                                                Job.kind.in_((PREP_OPEN, PREP_REMIND))))
        model = self.models.get(case.model_id)
        if model is None or meeting.status != "planned":
            return
        meeting_type = model.meeting_type(meeting.meeting_type)
        if not meeting_type.questions:
            return
        opening = max(opens_at(meeting, meeting_type, case.timezone), now)
        # Opening is announced politely too; if the night leaves no room, at once.
        announce = polite_time(opening, case.timezone, self.timing.quiet_hours, before=meeting.starts_at) or opening
        self._add(session, Job(kind=PREP_OPEN, meeting_id=meeting.id, due_at=announce))
        for at in reminder_times(meeting.starts_at, opening, self.timing, case.timezone, meeting_type.max_reminders):
            if at > announce:
                self._add(session, Job(kind=PREP_REMIND, meeting_id=meeting.id, due_at=at))

    async def plan_meeting_reminders(self, session: AsyncSession, meeting: Meeting, case: Case, now: datetime) -> None:
        """Those invited to an announced meeting are reminded at each lead time
        before it (the day before, shortly before), never at night."""
        await session.execute(delete(Job).where(Job.meeting_id == meeting.id, Job.done_at.is_(None), Job.kind == MEETING_REMIND))
        if meeting.status != "planned":
            return
        leads = self.timing.meeting_reminder_leads
        for at in reminder_times(meeting.starts_at, now, self.timing, case.timezone, len(leads), leads=leads):
            self._add(session, Job(kind=MEETING_REMIND, meeting_id=meeting.id, due_at=at))

    def check_broadcast(self, session: AsyncSession, broadcast: Broadcast, now: datetime) -> None:
        self._add(session, Job(kind=BROADCAST_REPORT, broadcast_id=broadcast.id, due_at=now + BROADCAST_CHECK))

    def sweep_traces(self, session: AsyncSession, now: datetime) -> None:
        self._add(session, Job(kind=FORGET_TRACES, due_at=now + TRACES_SWEEP))

    def announce_to(self, session: AsyncSession, meeting_id: int, person_id: int, now: datetime) -> None:
        """Someone joined while preparation is open: tell them now."""
        self._add(session, Job(kind=PREP_OPEN, meeting_id=meeting_id, person_id=person_id, due_at=now))

    async def time_step(self, session: AsyncSession, meeting_id: int, step: int, minutes: int, now: datetime) -> None:
        """A step with a planned length has begun: the coordinator is told gently
        when it nears and passes its end. Timers of earlier steps are dropped."""
        await session.execute(delete(Job).where(Job.meeting_id == meeting_id, Job.done_at.is_(None),
                                                Job.kind.in_((STEP_NEAR_END, STEP_PAST_END))))
        length = timedelta(minutes=minutes)
        if length > 2 * NEAR_END:
            self._add(session, Job(kind=STEP_NEAR_END, meeting_id=meeting_id, step=step, due_at=now + length - NEAR_END))
        self._add(session, Job(kind=STEP_PAST_END, meeting_id=meeting_id, step=step, due_at=now + length))

    def plan_task(self, session: AsyncSession, task: Task, zone: str, now: datetime) -> None:
        """Owners are reminded at each lead time before the due day and on the day;
        the coordinator hears the day after if it is not done. Quiet hours are
        applied when each reminder fires."""
        for lead in self.timing.task_reminder_leads:
            at = local_before(task.due_at, lead, zone) if lead else None
            if at is not None and at > now:
                self._add(session, Job(kind=TASK_REMIND, task_id=task.id, due_at=at))
        morning = local_before(task.due_at, timedelta(hours=3), zone)  # the due day, at nine
        self._add(session, Job(kind=TASK_DUE, task_id=task.id, due_at=max(morning, now)))
        self._add(session, Job(kind=TASK_OVERDUE, task_id=task.id, due_at=local_before(task.due_at, -timedelta(hours=21), zone)))


async def plan_purge(sessionmaker: async_sessionmaker, now: datetime) -> None:
    """Make sure retention runs: one purge job, due now if it was never
    planned (or a crash left it marked done). Idempotent, and safe when
    several processes start at once."""
    try:
        async with sessionmaker() as session, session.begin():
            job = await session.scalar(select(Job).where(Job.kind == PURGE))
            if job is None:
                session.add(Job(kind=PURGE, due_at=now))
            elif job.done_at is not None:
                await session.execute(update(Job).where(Job.id == job.id).values(done_at=None, due_at=now))
    except IntegrityError:
        pass  # another process planned it at the same moment
