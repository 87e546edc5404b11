"""Loading tasks for the flows, opening their sealed text."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.case_coordinators import coordinated_by, other_coordinator_chats
from bot.db.models import Case, OfflineMember, OfflineTaskOwner, Person, Task, TaskOwner
from bot.storage.sealing import Sealer
from flows.context import TaskView
from flows.offline import attendee_id


async def task_views(session: AsyncSession, tasks: list[Task], sealer: Sealer) -> tuple[TaskView, ...]:
    views = []
    for task in tasks:
        case = await session.get(Case, task.case_id)
        coordinator = await session.get(Person, case.coordinator_id) if case.coordinator_id else None
        owners = (await session.execute(
            select(TaskOwner, Person).join(Person, Person.id == TaskOwner.person_id)
            .where(TaskOwner.task_id == task.id).order_by(TaskOwner.id)
        )).all()
        # Someone without Telegram answers for it too: the coordinator accepted it in their place at the meeting.
        offline = (await session.execute(
            select(OfflineTaskOwner, OfflineMember).join(OfflineMember, OfflineMember.id == OfflineTaskOwner.member_id)
            .where(OfflineTaskOwner.task_id == task.id).order_by(OfflineTaskOwner.id)
        )).all()
        views.append(TaskView(task.ref or str(task.id), case.id, case.pseudonym, case.timezone, sealer.open(task.what),
                              task.due_at, task.status,
                              tuple((p.id, p.name, o.accepted_at is not None) for o, p in owners)
                              + tuple((attendee_id(m.id), m.name, True) for _o, m in offline),
                              coordinator.chat_id if coordinator else None,
                              done_by=frozenset(p.id for o, p in owners if o.done_at is not None)
                              | frozenset(attendee_id(m.id) for o, m in offline if o.done_at is not None),
                              owner_chats=tuple((p.id, p.chat_id) for _o, p in owners),
                              other_coordinator_chats=await other_coordinator_chats(session, case)))
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
