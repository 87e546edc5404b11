"""Loading tasks for the flows, opening their sealed text."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.case_coordinators import coordinated_by, coordinators_of
from bot.db.models import Case, OfflineMember, OfflineTaskOwner, Person, Task, TaskOwner
from bot.storage.sealing import Sealer
from flows.context import TaskView
from flows.offline import attendee_id


async def task_views(session: AsyncSession, tasks: list[Task], sealer: Sealer) -> tuple[TaskView, ...]:
    """The tasks as the flows see them, in the order given. Read together, in
    six statements however many there are: the scheduler reminds of a
    hundred at a time, a plan lists all of a meeting's."""
    if not tasks:
        return ()
    task_ids = [task.id for task in tasks]
    cases = {case.id: case for case in await session.scalars(select(Case).where(Case.id.in_({t.case_id for t in tasks})))}
    coordinators = await coordinators_of(session, list(cases))
    lead_ids = {case.coordinator_id for case in cases.values() if case.coordinator_id}
    leads = {p.id: p for p in await session.scalars(select(Person).where(Person.id.in_(lead_ids)))} if lead_ids else {}
    owners: dict[int, list] = defaultdict(list)
    for owner, person in (await session.execute(
            select(TaskOwner, Person).join(Person, Person.id == TaskOwner.person_id)
            .where(TaskOwner.task_id.in_(task_ids)).order_by(TaskOwner.id))).all():
        owners[owner.task_id].append((owner, person))
    # Someone without Telegram answers for it too: the coordinator accepted it in their place at the meeting.
    offline: dict[int, list] = defaultdict(list)
    for owner, member in (await session.execute(
            select(OfflineTaskOwner, OfflineMember).join(OfflineMember, OfflineMember.id == OfflineTaskOwner.member_id)
            .where(OfflineTaskOwner.task_id.in_(task_ids)).order_by(OfflineTaskOwner.id))).all():
        offline[owner.task_id].append((owner, member))
    views = []
    for task in tasks:
        case = cases[task.case_id]
        lead = leads.get(case.coordinator_id)
        people, members = owners[task.id], offline[task.id]
        views.append(TaskView(task.ref or str(task.id), case.id, case.pseudonym, case.timezone, sealer.open(task.what),
                              task.due_at, task.status,
                              tuple((p.id, p.name, o.accepted_at is not None) for o, p in people)
                              + tuple((attendee_id(m.id), m.name, True) for _o, m in members),
                              lead.chat_id if lead else None,
                              done_by=frozenset(p.id for o, p in people if o.done_at is not None)
                              | frozenset(attendee_id(m.id) for o, m in members if o.done_at is not None),
                              owner_chats=tuple((p.id, p.chat_id) for _o, p in people),
                              other_coordinator_chats=tuple(p.chat_id for p in coordinators[case.id]
                                                            if p.id != case.coordinator_id)))
    return tuple(views)


async def tasks_of_meeting(session: AsyncSession, meeting_id: int, sealer: Sealer) -> tuple[TaskView, ...]:
    tasks = list(await session.scalars(
        select(Task).where(Task.meeting_id == meeting_id, Task.status != "cancelled").order_by(Task.id)))
    return await task_views(session, tasks, sealer)


async def task_by_ref(session: AsyncSession, ref: str, sealer: Sealer) -> tuple[TaskView, ...]:
    task = await session.scalar(select(Task).where(Task.ref == ref))
    return await task_views(session, [task], sealer) if task is not None else ()


async def tasks_for(session: AsyncSession, person: Person, sealer: Sealer) -> tuple[TaskView, ...]:
    """/tasks: the person's own tasks, and for a coordinator all tasks of their open cases."""
    own = select(Task.id).join(TaskOwner, TaskOwner.task_id == Task.id).where(TaskOwner.person_id == person.id)
    query = select(Task).join(Case, Case.id == Task.case_id).where(Case.status == "open", Task.status != "cancelled")
    if person.is_coordinator:
        query = query.where((Task.id.in_(own)) | (Case.id.in_(coordinated_by(person.id))))
    else:
        query = query.where(Task.id.in_(own))
    tasks = list(await session.scalars(query.order_by(Task.case_id, Task.due_at, Task.id)))
    return await task_views(session, tasks, sealer)
