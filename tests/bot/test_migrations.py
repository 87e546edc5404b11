"""The migrations build exactly the schema the models describe, on every backend."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.db.engine import make_engine
from bot.db.models import Base


async def test_migrated_schema_matches_the_models(database_url):
    engine = make_engine(database_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": False}), Base.metadata)
        )
    await engine.dispose()
    assert diff == []


async def test_ids_are_never_reused_and_earlier_erasures_leave_no_ids_behind(database_url):
    """Migration 0008 on a database with rows: they are kept, ids of people
    erased before it are taken out of stored JSON, and from then on an id
    is never given out twice (SQLite reused the highest one)."""
    import asyncio
    from datetime import datetime, timezone

    from alembic import command
    from sqlalchemy import delete, insert, select

    from bot.db.engine import make_sessionmaker
    from bot.db.migrate import alembic_config, upgrade_async
    from bot.db.models import Case, Conversation, Meeting, Participant, Person

    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0007")
    now = datetime.now(timezone.utc)
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        cia = Person(telegram_user_id=1, chat_id=1, name="Cia", is_coordinator=True, created_at=now)
        anna = Person(telegram_user_id=2, chat_id=2, name="Anna", created_at=now)
        session.add_all([cia, anna])
        await session.flush()
        case_id = (await session.execute(insert(Case.__table__).values(
            pseudonym="F", coordinator_id=cia.id, model_id="systemic", timezone="Europe/Oslo", status="open",
            created_at=now))).inserted_primary_key[0]
        # Only the columns there were at 0007 (a later migration adds more).
        await session.execute(insert(Participant.__table__).values(case_id=case_id, person_id=anna.id, role="family",
                                                                   joined_at=now))
        gone = anna.id + 1  # someone erased before the migration, under the old code
        session.add(Meeting(case_id=case_id, meeting_type="meeting", starts_at=now, status="ended", created_at=now,
                            progress={"present": [anna.id, gone], "read": [gone], "step": 2}))
        session.add(Conversation(chat_id=1, flow="meeting", step="task", data={"owners": [gone, anna.id]}, version=1))
    await engine.dispose()
    await upgrade_async(database_url)

    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        assert sorted(await session.scalars(select(Person.name))) == ["Anna", "Cia"]
        assert await session.scalar(select(Participant.person_id)) == anna.id
        assert (await session.scalar(select(Meeting.progress))) == {"present": [anna.id], "read": [], "step": 2}
        assert (await session.get(Conversation, 1)).data == {"owners": [anna.id]}
        newest = Person(telegram_user_id=3, chat_id=3, name="Bo", created_at=now)
        session.add(newest)
        await session.flush()
        erased_id = newest.id
        await session.execute(delete(Person).where(Person.id == erased_id))
        after = Person(telegram_user_id=4, chat_id=4, name="Dan", created_at=now)
        session.add(after)
        await session.flush()
        assert after.id > erased_id
        # Foreign keys still cascade after the tables were rebuilt.
        await session.execute(delete(Person).where(Person.id == anna.id))
        assert await session.scalar(select(Participant.id)) is None
    await engine.dispose()


async def test_each_cases_coordinator_moves_into_case_coordinators(database_url):
    """Migration 0014 on a database with cases: each case's coordinator becomes
    its first row in case_coordinators; a case without one (its coordinator
    erased) gets none; the rows cascade with their case and person."""
    import asyncio
    from datetime import datetime, timezone

    from alembic import command
    from sqlalchemy import delete, insert, select

    from bot.db.engine import make_sessionmaker
    from bot.db.migrate import alembic_config, upgrade_async
    from bot.db.models import Case, CaseCoordinator, Person

    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0013")
    now = datetime.now(timezone.utc)
    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        cia = Person(telegram_user_id=1, chat_id=1, name="Cia", is_coordinator=True, created_at=now)
        session.add(cia)
        await session.flush()
        cases = [(await session.execute(insert(Case.__table__).values(
            pseudonym=name, coordinator_id=coordinator, model_id="systemic", timezone="Europe/Oslo", status=status,
            created_at=now))).inserted_primary_key[0]
            for name, coordinator, status in (("A", cia.id, "open"), ("B", None, "closed"))]
    await engine.dispose()
    await upgrade_async(database_url)

    engine = make_engine(database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        rows = (await session.execute(select(CaseCoordinator.case_id, CaseCoordinator.person_id))).all()
        assert rows == [(cases[0], cia.id)]
        await session.execute(delete(Person).where(Person.id == cia.id))
        assert await session.scalar(select(CaseCoordinator.id)) is None
    await engine.dispose()
