"""Creating the async engine: SQLite (the embedded default) or PostgreSQL."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine


def normalise_url(url: str) -> str:
    """Accept the plain forms people paste and pick the async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+asyncpg://" + url[len("postgresql://"):]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        url = "sqlite+aiosqlite://" + url[len("sqlite://"):]
    return url


def is_sqlite(url: str) -> bool:
    return normalise_url(url).startswith("sqlite")


def make_engine(url: str) -> AsyncEngine:
    url = normalise_url(url)
    # Never echo statements, and keep parameters (names, answers) out of the
    # text of database errors, which end up in the log.
    options = {"echo": False, "hide_parameters": True}
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **options)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            # WAL lets the sender read while the dispatcher writes; foreign keys
            # make erasing a person cascade as it does on PostgreSQL.
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL survives any crash of the process (kill -9
            # included); only a power cut can lose the newest commits.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # Deleted rows are overwritten with zeros, so an erased answer or
            # name does not linger in free space of the file.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    return create_async_engine(url, pool_size=10, max_overflow=5, **options)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


async def flush_erased(sessionmaker: async_sessionmaker) -> None:
    """After an erasure on SQLite: copy the zeroed pages into the database file
    and empty the write-ahead log, whose older frames still hold the erased
    text. Nothing to do on PostgreSQL. It waits (busy timeout) for readers
    still on an older snapshot."""
    async with sessionmaker() as session:
        if session.bind.dialect.name != "sqlite":
            return
        connection = await session.connection()
        await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
