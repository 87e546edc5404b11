"""The bot's work does not grow with what waits in the database: the
scheduler reads only what is due, and every foreign key has an index, so
looking up or deleting by it (a task's reminders, a coordinator's cases,
the cascade when a person is erased) never reads a whole table.
benchmarks/bench_growth.py measures the same on the running bot."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, event, insert, select, text

from bot.db.models import Base, Case, Job
from bot.planner import TASK_REMIND
from bot.scheduler import Scheduler
from flows.meeting_models import builtin_models
from flows.timing import Timing

NOW = datetime.now(timezone.utc)
FUTURE = 3000


def _worker(sessionmaker) -> Scheduler:
    return Scheduler(sessionmaker, models=builtin_models(), timing=Timing(quiet_hours=None), default_locale="en",
                     interval=60, clock=lambda: NOW)


async def test_the_scheduler_loads_only_the_jobs_that_are_due(sessionmaker):
    async with sessionmaker() as session, session.begin():
        # Reminders of tasks that no longer exist: taken, and nothing sent.
        session.add_all(Job(kind=TASK_REMIND, due_at=NOW - timedelta(minutes=m)) for m in (1, 2))
        await session.execute(insert(Job), [dict(kind=TASK_REMIND, due_at=NOW + timedelta(hours=1, minutes=i))
                                            for i in range(FUTURE)])
    loaded = []
    listener = lambda target, _context: loaded.append(target.id)  # noqa: E731
    event.listen(Job, "load", listener)
    try:
        worker = _worker(sessionmaker)
        assert await worker.run_due() == 2
        assert await worker.run_due() == 0
        assert await worker.next_due() == NOW + timedelta(hours=1)
    finally:
        event.remove(Job, "load", listener)
    assert len(loaded) == 2  # the two that were due, not the thousands waiting


def test_every_foreign_key_leads_an_index():
    """Deleting a row makes the database look for the rows that point at it
    (ON DELETE CASCADE / SET NULL), and neither SQLite nor PostgreSQL
    indexes that side by itself."""
    unindexed = []
    for table in Base.metadata.sorted_tables:
        leading = {next(iter(index.columns)).name for index in table.indexes}
        leading |= {next(iter(c.columns)).name for c in table.constraints if getattr(c, "columns", None)
                    and type(c).__name__ in ("UniqueConstraint", "PrimaryKeyConstraint")}
        unindexed += [f"{table.name}.{fk.parent.name}" for fk in table.foreign_keys if fk.parent.name not in leading]
    assert unindexed == []


async def test_a_tasks_reminders_and_a_coordinators_cases_are_found_by_index(sessionmaker, database_url):
    if not database_url.startswith("sqlite"):
        return  # PostgreSQL's planner may rightly scan tables this small; the indexes are checked above
    # The statements bot/storage/changes.py and bot/storage/context.py issue, as SQLite plans them.
    statements = {
        "ix_jobs_task_id": delete(Job).where(Job.task_id == 1, Job.done_at.is_(None)),
        "ix_cases_coordinator_id": select(Case).where(Case.coordinator_id == 1).order_by(Case.id),
    }
    async with sessionmaker() as session:
        for index, statement in statements.items():
            sql = str(statement.compile(session.bind.sync_engine, compile_kwargs={"literal_binds": True}))
            plan = " | ".join(row[-1] for row in await session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            assert f"USING INDEX {index} " in plan, plan  # not a walk through every pending job or every case
